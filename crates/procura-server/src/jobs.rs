//! Background jobs (ingests and model runs started from the UI). They run on a runtime of
//! their own, so a long DataFusion query never holds up the request handlers; the UI polls
//! their progress.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use utoipa::ToSchema;

/// A job's state as the UI sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JobView {
    /// Id.
    pub id: u64,
    /// `ingest` or `run`.
    pub kind: String,
    /// Who started it.
    #[serde(skip)]
    pub owner: String,
    /// `running`, `succeeded`, `failed`.
    pub status: String,
    /// 0.0 ..= 1.0.
    pub progress: f64,
    /// What it is doing.
    pub message: String,
    /// What it produced.
    #[schema(value_type = Object)]
    pub result: Option<serde_json::Value>,
    /// Why it failed.
    pub error: Option<String>,
}

/// Jobs one account may have running at once.
pub const MAX_RUNNING_PER_OWNER: usize = 2;
/// Jobs the server runs at once (beyond that, new ones are refused, not queued without end).
pub const MAX_RUNNING: usize = 8;
/// Finished jobs kept for their owners to read (the oldest go first; the durable record of a
/// run or an ingest is in the catalog).
pub const MAX_FINISHED_KEPT: usize = 200;

/// The jobs of this server process.
#[derive(Clone)]
pub struct Jobs {
    next: Arc<AtomicU64>,
    jobs: Arc<Mutex<HashMap<u64, JobView>>>,
    runtime: Arc<JobRuntime>,
}

/// A handle a running job reports through.
#[derive(Clone)]
pub struct JobHandle {
    id: u64,
    jobs: Arc<Mutex<HashMap<u64, JobView>>>,
}

impl JobHandle {
    fn update(&self, f: impl FnOnce(&mut JobView)) {
        if let Ok(mut jobs) = self.jobs.lock()
            && let Some(job) = jobs.get_mut(&self.id)
        {
            f(job);
        }
    }

    /// Progress and what is happening.
    pub fn progress(&self, fraction: f64, message: &str) {
        self.update(|job| {
            job.progress = fraction.clamp(0.0, 1.0);
            job.message = message.to_owned();
        });
    }

    fn finish(&self, result: Result<serde_json::Value, String>) {
        self.update(|job| match result {
            Ok(value) => {
                job.status = "succeeded".into();
                job.progress = 1.0;
                job.message = "完成 (done)".into();
                job.result = Some(value);
            }
            Err(error) => {
                job.status = "failed".into();
                job.message = "失败 (failed)".into();
                job.error = Some(error);
            }
        });
    }
}

impl Jobs {
    /// A registry with its own runtime of `threads` worker threads.
    pub fn new(threads: usize) -> std::io::Result<Jobs> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads.max(1))
            .thread_name("procura-job")
            .enable_all()
            .build()?;
        Ok(Jobs {
            next: Arc::new(AtomicU64::new(1)),
            jobs: Arc::new(Mutex::new(HashMap::new())),
            runtime: Arc::new(JobRuntime(Some(runtime))),
        })
    }

    /// Starts a job on the jobs runtime, unless the owner or the server already runs as many
    /// as it may ([`MAX_RUNNING_PER_OWNER`], [`MAX_RUNNING`]).
    pub fn start<F, Fut>(&self, kind: &str, owner: &str, work: F) -> Result<u64, crate::ApiError>
    where
        F: FnOnce(JobHandle) -> Fut + Send + 'static,
        Fut: Future<Output = Result<serde_json::Value, String>> + Send + 'static,
    {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut jobs) = self.jobs.lock() {
            let running = jobs.values().filter(|j| j.status == "running");
            let (mine, all) = running.fold((0, 0), |(mine, all), j| {
                (mine + usize::from(j.owner == owner), all + 1)
            });
            if mine >= MAX_RUNNING_PER_OWNER || all >= MAX_RUNNING {
                return Err(crate::ApiError::new(
                    axum::http::StatusCode::TOO_MANY_REQUESTS,
                    "busy",
                    if mine >= MAX_RUNNING_PER_OWNER {
                        format!(
                            "您已有 {mine} 个任务在运行，请等待完成后再试 (you have {mine} jobs running; wait for one to finish)"
                        )
                    } else {
                        "服务器任务已满，请稍后再试 (the server runs as many jobs as it can; try again shortly)".to_owned()
                    },
                ));
            }
            let mut finished: Vec<u64> = jobs
                .values()
                .filter(|j| j.status != "running")
                .map(|j| j.id)
                .collect();
            if finished.len() >= MAX_FINISHED_KEPT {
                finished.sort_unstable();
                for old in &finished[..=finished.len() - MAX_FINISHED_KEPT] {
                    jobs.remove(old);
                }
            }
            jobs.insert(
                id,
                JobView {
                    id,
                    kind: kind.to_owned(),
                    owner: owner.to_owned(),
                    status: "running".into(),
                    progress: 0.0,
                    message: "排队中 (queued)".into(),
                    result: None,
                    error: None,
                },
            );
        }
        let handle = JobHandle {
            id,
            jobs: Arc::clone(&self.jobs),
        };
        let task = async move {
            let result = work(handle.clone()).await;
            handle.finish(result);
        };
        if let Some(runtime) = self.runtime.handle() {
            runtime.spawn(task);
        }
        Ok(id)
    }

    /// Runs a future on the jobs runtime and waits for it (heavy work a request waits for,
    /// like a builder preview, without blocking the request runtime's threads).
    pub async fn run<T, Fut>(&self, work: Fut) -> Result<T, String>
    where
        Fut: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        let runtime = self
            .runtime
            .handle()
            .ok_or_else(|| "the jobs runtime is shut down".to_owned())?;
        runtime.spawn(work).await.map_err(|e| e.to_string())
    }

    /// A job, if it exists and belongs to `owner`.
    pub fn get(&self, id: u64, owner: &str) -> Option<JobView> {
        self.jobs
            .lock()
            .ok()
            .and_then(|jobs| jobs.get(&id).cloned())
            .filter(|job| job.owner == owner)
    }
}

/// The jobs' runtime, shut down without blocking when the last handle goes (dropping a
/// runtime inside another one would panic).
struct JobRuntime(Option<tokio::runtime::Runtime>);

impl JobRuntime {
    fn handle(&self) -> Option<&tokio::runtime::Handle> {
        self.0.as_ref().map(tokio::runtime::Runtime::handle)
    }
}

impl Drop for JobRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_account_runs_at_most_two_jobs_and_the_server_at_most_eight() {
        let jobs = Jobs::new(1).unwrap();
        let (release, wait) = tokio::sync::watch::channel(false);
        let blocked = |wait: tokio::sync::watch::Receiver<bool>| {
            move |_handle: JobHandle| async move {
                let mut wait = wait;
                let _ = wait.wait_for(|go| *go).await;
                Ok(serde_json::Value::Null)
            }
        };
        for _ in 0..MAX_RUNNING_PER_OWNER {
            jobs.start("run", "moxing", blocked(wait.clone())).unwrap();
        }
        let refused = jobs.start("run", "moxing", blocked(wait.clone()));
        assert!(refused.is_err());
        for n in 0..MAX_RUNNING - MAX_RUNNING_PER_OWNER {
            jobs.start("run", &format!("user{n}"), blocked(wait.clone()))
                .unwrap();
        }
        assert!(jobs.start("run", "someone", blocked(wait.clone())).is_err());
        release.send(true).unwrap();
        for _ in 0..100 {
            if jobs.start("run", "moxing", blocked(wait.clone())).is_ok() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("finished jobs still count as running");
    }
}
