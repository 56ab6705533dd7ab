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
