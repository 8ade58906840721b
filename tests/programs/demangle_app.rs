// A Rust corpus for the demangler: modules, traits and impls, generics (types, consts,
// lifetimes), closures, dyn traits, fn pointers, arrays, slices, tuples, raw pointers and a
// non-ASCII identifier. It makes no syscalls worth tracing; the test reads its symbol table.
#![allow(non_snake_case)]
use std::collections::HashMap;
use std::fmt;

pub mod config {
    pub struct Setting<'a, T> {
        pub key: &'a str,
        pub value: T,
    }

    impl<'a, T: Copy + Into<i64>> Setting<'a, T> {
        #[inline(never)]
        pub fn load(key: &'a str, value: T) -> Self {
            Setting { key, value }
        }
        #[inline(never)]
        pub fn weight(&self) -> i64 {
            self.value.into() * self.key.len() as i64
        }
    }

    pub trait Shape {
        fn area(&self) -> f64;
    }
}

use config::{Setting, Shape};

struct Square(f64);
struct Grid<const N: usize>([u8; N]);

impl Shape for Square {
    #[inline(never)]
    fn area(&self) -> f64 {
        self.0 * self.0
    }
}

impl fmt::Display for Square {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "square({})", self.0)
    }
}

impl<const N: usize> Grid<N> {
    #[inline(never)]
    fn sum(&self) -> usize {
        self.0.iter().map(|&b| b as usize).sum()
    }
}

#[inline(never)]
fn total(shapes: &[Box<dyn Shape + Send>]) -> f64 {
    shapes.iter().map(|s| s.area()).sum()
}

#[inline(never)]
fn apply(f: fn(i32, &str) -> i32, pair: (i32, &str), raw: *const u8, out: *mut [u16; 3]) -> i32 {
    unsafe { (*out)[0] = *raw as u16 };
    f(pair.0, pair.1)
}

#[inline(never)]
fn größe(items: &mut Vec<(char, bool)>) -> usize {
    items.push(('ä', true));
    items.len()
}

#[inline(never)]
fn pick<'a, F: Fn(&'a str) -> bool>(words: &'a [&'a str], keep: F) -> Vec<&'a str> {
    words.iter().copied().filter(|w| keep(w)).collect()
}

unsafe extern "C" fn callback(x: i32) -> i32 {
    x + 1
}

fn main() {
    let s = Setting::load("depth", 3u8);
    let shapes: Vec<Box<dyn Shape + Send>> = vec![Box::new(Square(2.0))];
    let grid = Grid([1u8, 2, 3, 4]);
    let mut buf = [0u16; 3];
    let byte = 7u8;
    let n = apply(|a, b| a + b.len() as i32, (1, "xy"), &byte, &mut buf);
    let mut items = vec![('a', false)];
    let words = pick(&["a", "bb", "ccc"], |w| w.len() > 1);
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for w in &words {
        *counts.entry(w).or_insert(0) += 1;
    }
    let cb: unsafe extern "C" fn(i32) -> i32 = callback;
    let c = unsafe { cb(n) };
    println!(
        "{} {} {} {} {} {} {}",
        s.weight(),
        total(&shapes),
        grid.sum(),
        größe(&mut items),
        counts.len(),
        Square(1.5),
        c
    );
}
