// A Rust stack for the unwinder tests: one getppid (std's parent_id) from a closure inside
// a thread spawned by std, so the stack runs through std's own frames (thread start,
// catch_unwind, the closure shims) down to the thread's clone.
use std::hint::black_box;

#[inline(never)]
fn leaf() -> u32 {
    std::os::unix::process::parent_id()
}

#[inline(never)]
fn middle(n: u32) -> u32 {
    black_box(leaf()) + n
}

fn main() {
    let total: u32 = (0..1).map(|i| middle(black_box(i))).sum();
    black_box(total);
    let worker = std::thread::spawn(|| middle(black_box(1)));
    black_box(worker.join().unwrap());
}
