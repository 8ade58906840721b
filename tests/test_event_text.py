"""How entry and exit argument texts join, in the three forms strace prints (observed lines)."""

from __future__ import annotations

from renacer.events import args_text, entry_part, exit_part


def test_read_style_leaves_the_comma_at_entry():
    # [pid  2105] read(0,  <unfinished ...>  /  <... read resumed>"", 1) = 0
    assert entry_part(("0",), True, "entry") == "0, "
    assert exit_part(('""', "1"), True, "entry") == '"", 1'
    assert args_text(("0",), ('""', "1"), "entry") == '0, "", 1'


def test_clone_style_puts_the_comma_at_exit():
    # clone(child_stack=NULL, flags=... <unfinished ...>  /  <... clone resumed>, child_tidptr=0x...) = 2168
    entry = ("child_stack=NULL", "flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD")
    assert entry_part(entry, True, "exit").endswith("SIGCHLD")
    assert exit_part(("child_tidptr=0x7fa2f145ba10",), True, "exit") == ", child_tidptr=0x7fa2f145ba10"


def test_clone3_style_glues_what_the_kernel_filled_to_the_struct():
    # clone3({flags=..., ...} => {parent_tid=[4526]}, 88) = 4526
    assert args_text(("{flags=CLONE_VM}",), (" => {parent_tid=[4526]}", "88"), "glue") == (
        "{flags=CLONE_VM} => {parent_tid=[4526]}, 88"
    )


def test_calls_without_exit_arguments_print_everything_at_entry():
    # fcntl(3, F_GETFD <unfinished ...>  /  <... fcntl resumed>) = 0x1 (flags FD_CLOEXEC)
    assert entry_part(("3", "F_GETFD"), False, "entry") == "3, F_GETFD"
    assert exit_part((), True, "entry") == ""
