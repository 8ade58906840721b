// Iterator chains: closures called from deep inside std's adapters (map, filter, for_each,
// fold). When the chain's closure is on its own line, the syscall is on that line. When a
// std function is passed by name (`.map(fs::metadata)`), there is no user closure: the
// innermost user frame is main, at the line rustc gives the consuming call (`.collect()`),
// which is where the marker sits; this is one of the hard cases at higher opt-levels.
use std::fs;

fn main() {
    let dir = std::env::args().nth(1).expect("usage: iter_chain DIR");
    let names: Vec<String> = (0..3).map(|i| format!("{dir}/f{i}")).collect();
    names
        .iter()
        .enumerate()
        .for_each(|(i, p)| fs::write(p, vec![b'x'; i + 1]).unwrap()); // syscall: openat, write, close
    let sizes: Vec<u64> = names
        .iter()
        .map(fs::metadata)
        .map(|m| m.unwrap().len())
        .collect(); // syscall: statx
    let total = names
        .iter()
        .filter(|p| !p.ends_with('0'))
        .map(|p| fs::read(p).unwrap().len()) // syscall: openat, statx, read, close
        .fold(0, |acc, n| acc + n);
    for p in names.iter().rev() {
        fs::remove_file(p).unwrap(); // syscall: unlink
    }
    assert_eq!((sizes, total), (vec![1, 2, 3], 5));
}
