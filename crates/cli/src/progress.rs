//! Progress bars for every long step, on stderr, hidden with `--quiet` (and by indicatif
//! when stderr is not a terminal, so logs and CI output stay clean).

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Makes progress bars, or hidden ones.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    visible: bool,
}

impl Progress {
    pub fn new(quiet: bool) -> Progress {
        Progress { visible: !quiet }
    }

    /// No output at all (tests, library use).
    pub fn hidden() -> Progress {
        Progress { visible: false }
    }

    fn make(&self, len: Option<u64>, template: &str, message: &str) -> ProgressBar {
        let bar = match len {
            Some(len) => ProgressBar::new(len),
            None => ProgressBar::new_spinner(),
        };
        bar.set_draw_target(if self.visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        });
        bar.set_style(
            ProgressStyle::with_template(template)
                .expect("the templates here are valid")
                .progress_chars("=> "),
        );
        bar.set_message(message.to_string());
        if len.is_none() {
            bar.enable_steady_tick(Duration::from_millis(120));
        }
        bar
    }

    /// Counted steps: iterations, users.
    pub fn steps(&self, len: u64, message: &str) -> ProgressBar {
        self.make(
            Some(len),
            "{msg:>14} [{bar:30}] {pos}/{len} ({elapsed}, eta {eta})",
            message,
        )
    }

    /// Counted things with their unit (`items`): position, rate and time left.
    pub fn count(&self, len: u64, message: &str, unit: &str) -> ProgressBar {
        self.make(
            Some(len),
            &format!(
                "{{msg:>14}} [{{bar:30}}] {{human_pos}}/{{human_len}} {unit} ({{elapsed}}, eta \
                 {{eta}})"
            ),
            message,
        )
    }

    /// Reading a file of known size.
    pub fn bytes(&self, len: u64, message: &str) -> ProgressBar {
        self.make(
            Some(len),
            "{msg:>14} [{bar:30}] {bytes}/{total_bytes} ({elapsed})",
            message,
        )
    }

    /// One step of unknown length (a matrix inverse): the time it has taken. No count is
    /// shown, since there is none to show.
    pub fn spinner(&self, message: &str) -> ProgressBar {
        self.make(None, "{msg:>14} {spinner} ({elapsed})", message)
    }

    /// Reading a stream of unknown length (a compressed file): the bytes read so far.
    pub fn byte_spinner(&self, message: &str) -> ProgressBar {
        self.make(
            None,
            "{msg:>14} {spinner} {bytes:>10} read ({elapsed})",
            message,
        )
    }

    /// A bar for reading `path`: by bytes when its size is the amount read (not gzip).
    pub fn file(&self, path: &std::path::Path, message: &str) -> ProgressBar {
        let gz = path.extension().is_some_and(|e| e == "gz");
        match std::fs::metadata(path) {
            Ok(meta) if !gz => self.bytes(meta.len(), message),
            _ => self.byte_spinner(message),
        }
    }
}
