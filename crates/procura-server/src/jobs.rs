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

/// The jobs of this server process (kept until the process ends; the durable record of a
/// run or an ingest is in the catalog).
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

    /// Starts a job on the jobs runtime.
    pub fn start<F, Fut>(&self, kind: &str, owner: &str, work: F) -> u64
    where
        F: FnOnce(JobHandle) -> Fut + Send + 'static,
        Fut: Future<Output = Result<serde_json::Value, String>> + Send + 'static,
    {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut jobs) = self.jobs.lock() {
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
        id
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
