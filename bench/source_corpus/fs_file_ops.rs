// File handles: OpenOptions, seek, set_len, sync, metadata through the handle, permissions,
// links. Each call is one statement, so each syscall has one obvious line.
use std::fs::{self, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::PermissionsExt;

fn main() {
    let dir = std::env::args().nth(1).expect("usage: fs_file_ops DIR");
    let path = format!("{dir}/ops.bin");
    let mut f = OpenOptions::new().read(true).write(true).create(true).open(&path).unwrap(); // syscall: openat
    f.write_all(b"0123456789").unwrap(); // syscall: write
    f.seek(SeekFrom::Start(4)).unwrap(); // syscall: lseek
    let mut four = [0u8; 4];
    f.read_exact(&mut four).unwrap(); // syscall: read
    f.set_len(6).unwrap(); // syscall: ftruncate
    f.sync_all().unwrap(); // syscall: fsync
    let len = f.metadata().unwrap().len(); // syscall: statx
    f.set_permissions(fs::Permissions::from_mode(0o600)).unwrap(); // syscall: fchmod
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap(); // syscall: chmod
    let link = format!("{dir}/ops.lnk");
    std::os::unix::fs::symlink(&path, &link).unwrap(); // syscall: symlink
    let target = fs::read_link(&link).unwrap(); // syscall: readlink
    fs::hard_link(&path, format!("{dir}/ops.hard")).unwrap(); // syscall: linkat
    fs::remove_file(&link).unwrap(); // syscall: unlink
    fs::remove_file(format!("{dir}/ops.hard")).unwrap(); // syscall: unlink
    drop(f); // syscall: close
    assert_eq!((len, &four, target.to_str()), (6, b"4567", Some(path.as_str())));
}
