//! `cargo xtask clean`: remove what whichpy left in the Docker engine.
//!
//! A container whose creating process (its `whichpy.pid` label) is still alive belongs to a
//! live run, here or in another checkout: it is kept, and the output says so. Only what a
//! dead process left behind is removed.

use xshell::Shell;

use crate::docker::{Engine, LABEL, LABEL_PID};
use crate::project::{self, RAW_DIR};

/// Remove every container whichpy labelled (and, with --images, its images)
#[derive(Clone, Debug, clap::Args)]
#[command(
    after_help = "Containers are removed after each cell on every path; this is for what \
a killed process left behind. Containers of a live run (its process still exists) are kept. Root file system tarballs in ~/.cache/whichpy/rootfs/ are kept: delete that \
folder to rebuild them."
)]
pub struct Clean {
    /// Also remove the interpreter images, their imported root file systems and their
    /// /usr volumes
    #[arg(long)]
    pub images: bool,
}

impl Clean {
    pub fn run(self, _sh: &Shell) -> anyhow::Result<()> {
        let engine = Engine::connect()?;
        if let Some(h) = crate::runfile::live_holder(&project::root().join(RAW_DIR)) {
            println!("a bench run ({h}) is writing to {RAW_DIR}: its containers are kept");
        }
        let containers = engine.list_labelled_containers(None)?;
        let mut removed = 0;
        for c in &containers {
            let name = c
                .names
                .first()
                .map(|n| n.trim_start_matches('/'))
                .unwrap_or(&c.id);
            let role = c.labels.get(LABEL).map(String::as_str).unwrap_or("?");
            let owner = c.labels.get(LABEL_PID).and_then(|p| p.parse::<i32>().ok());
            if let Some(pid) = owner.filter(|&p| alive(p)) {
                println!(
                    "kept container {name} ({role}): the run that owns it (pid {pid}) is still \
                     running; stop it first, or clean again when it ends"
                );
                continue;
            }
            engine.remove_container(&c.id)?;
            removed += 1;
            println!("removed container {name} ({role})");
        }
        let kept = containers.len() - removed;
        anyhow::ensure!(
            !(self.images && kept > 0),
            "{kept} container(s) of live runs still use the images; run `cargo xtask clean --images` again when those runs end"
        );
        let mut images_removed = 0;
        if self.images {
            let mut images = engine.list_labelled_images()?;
            // Thin images first: a root file system cannot go while an image is built on it.
            images.sort_by_key(|i| i.labels.get(LABEL).map(String::as_str) == Some("rootfs"));
            for i in &images {
                let names = if i.names.is_empty() {
                    vec![i.id.clone()]
                } else {
                    i.names.clone()
                };
                for n in &names {
                    engine.remove_image(n)?;
                }
                println!("removed image {}", names.join(", "));
                images_removed += 1;
            }
        }
        let mut volumes_removed = 0;
        if self.images {
            for v in engine.list_labelled_volumes()? {
                engine.remove_volume(&v)?;
                println!("removed volume {v}");
                volumes_removed += 1;
            }
        }
        if kept > 0 {
            println!("{kept} container(s) of live runs kept");
        }
        println!(
            "{removed} container(s){} removed",
            if self.images {
                format!(", {images_removed} image(s) and {volumes_removed} volume(s)")
            } else {
                String::new()
            }
        );
        Ok(())
    }
}

/// Does process `pid` exist? (`kill(pid, 0)`; EPERM means it exists but is not ours.)
fn alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    pid > 0
        && (unsafe { libc::kill(pid, 0) } == 0
            || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM))
}
