//! Issue 29, item 4: a cached root file system is verified when it is used, on a copy of a
//! real cache entry (the shared `~/.cache/whichpy` is only read). A tarball cut at a member
//! boundary (a valid, shorter tar: before, an image with 2,843 files instead of 4,045 under
//! the good digest), cut mid-entry (before, "unexpected EOF" on every run, naming no cache
//! entry) or changed is named with its cache path and removed, so that it is built again.

use std::path::{Path, PathBuf};

use xtask::images::{cached_rootfs, rootfs_cache, Cached};

/// The smallest complete entry of the shared cache, or `None` (SKIPPED) when there is none.
fn a_real_entry() -> Option<PathBuf> {
    let cache = rootfs_cache(&xtask::project::root());
    let mut entries: Vec<(u64, PathBuf)> = std::fs::read_dir(&cache)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|d| d.join("sha256").is_file() && d.join("packages.tsv").is_file())
        .filter_map(|d| Some((std::fs::metadata(d.join("rootfs.tar")).ok()?.len(), d)))
        .collect();
    entries.sort();
    let found = entries.into_iter().next().map(|(_, d)| d);
    if found.is_none() {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "\nSKIPPED: no root file system in {} (`cargo xtask images` builds one)\n",
            cache.display()
        );
    }
    found
}

fn copy_entry(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for f in ["sha256", "packages.tsv", "rootfs.tar"] {
        std::fs::copy(from.join(f), to.join(f)).unwrap();
    }
}

/// Byte offsets of the tar's member headers.
fn member_offsets(tar: &Path) -> Vec<u64> {
    let mut a = tar::Archive::new(std::fs::File::open(tar).unwrap());
    a.entries()
        .unwrap()
        .map(|e| e.unwrap().raw_header_position())
        .collect()
}

fn damaged(dir: &Path) -> String {
    match cached_rootfs(dir) {
        Cached::Damaged(why) => why,
        other => panic!("not refused: {other:?}"),
    }
}

#[test]
fn a_cut_or_changed_tarball_is_named_with_its_cache_path_and_removed() {
    let Some(real) = a_real_entry() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(real.file_name().unwrap());

    copy_entry(&real, &dir);
    let Cached::Verified(r) = cached_rootfs(&dir) else {
        panic!("an intact copy of {} is refused", real.display())
    };
    assert_eq!(
        r.sha256,
        std::fs::read_to_string(dir.join("sha256")).unwrap().trim()
    );
    let offsets = member_offsets(&dir.join("rootfs.tar"));
    assert!(offsets.len() > 100, "{} members", offsets.len());

    // Cut at a member boundary: what is left is a valid tar of the first members.
    let at = offsets[offsets.len() * 7 / 10];
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(dir.join("rootfs.tar"))
        .unwrap();
    f.set_len(at).unwrap();
    drop(f);
    let why = damaged(&dir);
    assert!(why.contains(&dir.display().to_string()), "{why}");
    assert!(
        why.contains(&format!("rootfs.tar ({at} bytes) hashes to")),
        "{why}"
    );
    assert!(why.contains("removed, and built again"), "{why}");
    assert!(!dir.exists(), "the damaged entry is removed");
    assert!(
        real.join("rootfs.tar").is_file(),
        "the shared cache is untouched"
    );

    // Cut in the middle of a member.
    copy_entry(&real, &dir);
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(dir.join("rootfs.tar"))
        .unwrap();
    f.set_len(offsets[offsets.len() / 2] + 700).unwrap();
    drop(f);
    assert!(damaged(&dir).contains("cut or changed"));
    assert!(!dir.exists());

    // One byte changed, same length.
    copy_entry(&real, &dir);
    let mut bytes = std::fs::read(dir.join("rootfs.tar")).unwrap();
    let i = bytes.len() / 3;
    bytes[i] ^= 0x20;
    std::fs::write(dir.join("rootfs.tar"), &bytes).unwrap();
    assert!(damaged(&dir).contains("cut or changed"));

    // A missing manifest is damage too, named.
    copy_entry(&real, &dir);
    std::fs::remove_file(dir.join("packages.tsv")).unwrap();
    assert!(damaged(&dir).contains("packages.tsv"));

    // No entry at all is simply missing (built, no warning).
    assert!(matches!(cached_rootfs(&dir), Cached::Missing));
}
