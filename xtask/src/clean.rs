//! `cargo xtask clean`: remove what whichpy left in the Docker engine.

use xshell::Shell;

use crate::docker::{Engine, LABEL};

/// Remove every container whichpy labelled (and, with --images, its images)
#[derive(Clone, Debug, clap::Args)]
#[command(
    after_help = "Containers are removed after each cell on every path; this is for what \
a killed process left behind. Root file system tarballs in ~/.cache/whichpy/rootfs/ are kept: delete that \
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
        let containers = engine.list_labelled_containers(None)?;
        for c in &containers {
            engine.remove_container(&c.id)?;
            println!(
                "removed container {} ({})",
                c.names
                    .first()
                    .map(|n| n.trim_start_matches('/'))
                    .unwrap_or(&c.id),
                c.labels.get(LABEL).map(String::as_str).unwrap_or("?")
            );
        }
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
        println!(
            "{} container(s){} removed",
            containers.len(),
            if self.images {
                format!(", {images_removed} image(s) and {volumes_removed} volume(s)")
            } else {
                String::new()
            }
        );
        Ok(())
    }
}
