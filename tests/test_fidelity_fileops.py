"""renacer's text against strace's for the file calls beyond open/read/write (tests/programs/fileops.c)."""

from __future__ import annotations

import pytest
from fidelity import compare

pytestmark = pytest.mark.needs_strace

# The calls fileops.c makes on purpose, for runs that compare only them: under -X the
# loader's mmap and prlimit64 lines are the memory and process families' to match.
FILE_CALLS = (
    "openat2,sendfile,copy_file_range,splice,tee,vmsplice,fallocate,flock,truncate,ftruncate,fsync,fdatasync,"
    "sync_file_range,syncfs,readahead,link,linkat,symlink,symlinkat,rename,renameat2,mknod,mknodat,"
    "faccessat2,chmod,fchmod,fchmodat,chown,fchown,lchown,fchownat,umask,utimensat,utimes,futimesat,utime,"
    "memfd_create,name_to_handle_at,open_by_handle_at,setxattr,lsetxattr,fsetxattr,getxattr,lgetxattr,"
    "fgetxattr,listxattr,llistxattr,flistxattr,removexattr,lremovexattr,fremovexattr,unlinkat,close_range"
)


ONLY_FILE_CALLS = ["-e", f"trace={FILE_CALLS}"]


@pytest.mark.parametrize(
    "extra",
    [[], ["-s", "4"], ["-x"], ["-xx"], ["-X", "raw", *ONLY_FILE_CALLS], ["-X", "verbose", *ONLY_FILE_CALLS]],
    ids=["default", "s4", "x", "xx", "Xraw", "Xverbose"],
)
def test_file_operations_match_strace(build, extra: list[str]) -> None:
    report = compare([str(build("fileops.c"))], extra=extra)
    assert report.names_identical, str(report)
    assert report.identical_share == 1.0, str(report)
