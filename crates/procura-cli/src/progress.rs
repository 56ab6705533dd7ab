//! Progress bars on the terminal (hidden when stderr is not one).

use indicatif::{ProgressBar, ProgressStyle};
use procura_app::Progress;

/// An ingest progress bar over input bytes.
pub(crate) struct IngestBar {
    bar: ProgressBar,
}

impl IngestBar {
    pub(crate) fn new() -> IngestBar {
        let bar = ProgressBar::hidden();
        IngestBar { bar }
    }
}

impl Progress for IngestBar {
    fn begin(&self, total_bytes: u64) {
        self.bar
            .set_draw_target(indicatif::ProgressDrawTarget::stderr());
        self.bar.set_length(total_bytes);
        self.bar.set_style(
            ProgressStyle::with_template(
                "导入 ingest {bar:32} {bytes}/{total_bytes} {msg} [{elapsed_precise}, ETA {eta}]",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
    }

    fn advance(&self, bytes: u64, rows: u64) {
        self.bar.set_position(bytes);
        self.bar.set_message(format!("{rows} 行 rows"));
    }

    fn end(&self) {
        self.bar.finish_and_clear();
    }
}

/// A spinner for one model run, showing its stage.
pub(crate) struct RunSpinner {
    bar: ProgressBar,
}

impl RunSpinner {
    pub(crate) fn new(model_id: &str) -> RunSpinner {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} 模型 model {prefix}: {msg} [{elapsed}]")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_prefix(model_id.to_owned());
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        RunSpinner { bar }
    }

    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl procura_app::runs::RunProgress for RunSpinner {
    fn stage(&self, _model_id: &str, stage: &str) {
        let label = match stage {
            "binding" => "绑定数据集 binding",
            "executing" => "碰撞计算 executing",
            "recording" => "登记线索 recording",
            other => other,
        };
        self.bar.set_message(label.to_owned());
    }

    fn notice(&self, model_id: &str, notice: &procura_app::model_format::Names) {
        // Printed above the spinner (on stderr), so that it stays when the spinner goes.
        self.bar
            .suspend(|| eprintln!("注意 [{model_id}]: {}\n  notice: {}", notice.zh, notice.en));
    }
}
