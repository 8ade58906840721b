// Process-level calls: pid, cwd, chdir, sleep, and std::process::exit, whose exit_group is
// the last syscall of the program (no destructors run after it).
use std::time::Duration;

fn main() {
    let dir = std::env::args().nth(1).expect("usage: process_misc DIR");
    let pid = std::process::id(); // syscall: getpid
    let before = std::env::current_dir().unwrap(); // syscall: getcwd
    std::env::set_current_dir(&dir).unwrap(); // syscall: chdir
    std::thread::sleep(Duration::from_millis(1)); // syscall: clock_nanosleep
    let after = std::env::current_dir().unwrap(); // syscall: getcwd
    std::env::set_current_dir(&before).unwrap(); // syscall: chdir
    let code = if pid > 0 && after != before { 0 } else { 1 };
    std::process::exit(code); // syscall: exit_group
}
