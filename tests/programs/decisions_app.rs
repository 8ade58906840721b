// For --trace-transpiler-decisions: a stand-in for a transpiled program that reports its decisions
// in both forms. Text form: `[DECISION] category::name input={json}` / `[RESULT] name = {json}`
// lines on stderr (fd 2), including nested same-name decisions, a malformed line, a decision
// without a result, a writev, one large write and a line split across two writes. Binary form, at
// exit: DIR/decisions.msgpack (hand-encoded MessagePack) and DIR/decision_manifest.json, DIR
// being argv[1] or `.ruchy`; ids are FNV-1a 64 of category::name::file::line (4 bytes, LE), one
// deliberately wrong. Other syscalls: statx/newfstatat (fs::metadata) under decisions, openat and
// write for the two files. A line that makes a syscall says which one in a trailing comment.
use std::fs;
use std::io::{IoSlice, Write};
use std::time::{SystemTime, UNIX_EPOCH};

enum Value {
    Nil,
    Uint(u64),
    Str(String),
    Map(Vec<(String, Value)>),
}

fn s(text: &str) -> Value {
    Value::Str(text.to_string())
}

fn map(pairs: Vec<(&str, Value)>) -> Value {
    Value::Map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

fn json_str(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn json(v: &Value) -> String {
    let mut out = String::new();
    json_into(&mut out, v);
    out
}

fn json_into(out: &mut String, v: &Value) {
    match v {
        Value::Nil => out.push_str("null"),
        Value::Uint(n) => out.push_str(&n.to_string()),
        Value::Str(t) => json_str(out, t),
        Value::Map(pairs) => {
            out.push('{');
            for (i, (k, v)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_str(out, k);
                out.push(':');
                json_into(out, v);
            }
            out.push('}');
        }
    }
}

// MessagePack by hand: fixmap/map16, fixstr/str8/str16, positive fixint/uint8..uint64, nil
fn pack(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Nil => out.push(0xc0),
        Value::Uint(n) => {
            let n = *n;
            if n < 128 {
                out.push(n as u8);
            } else if n <= 0xff {
                out.extend([0xcc, n as u8]);
            } else if n <= 0xffff {
                out.push(0xcd);
                out.extend((n as u16).to_be_bytes());
            } else if n <= 0xffff_ffff {
                out.push(0xce);
                out.extend((n as u32).to_be_bytes());
            } else {
                out.push(0xcf);
                out.extend(n.to_be_bytes());
            }
        }
        Value::Str(t) => {
            let b = t.as_bytes();
            if b.len() < 32 {
                out.push(0xa0 | b.len() as u8);
            } else if b.len() <= 0xff {
                out.extend([0xd9, b.len() as u8]);
            } else {
                out.push(0xda);
                out.extend((b.len() as u16).to_be_bytes());
            }
            out.extend(b);
        }
        Value::Map(pairs) => {
            if pairs.len() < 16 {
                out.push(0x80 | pairs.len() as u8);
            } else {
                out.push(0xde);
                out.extend((pairs.len() as u16).to_be_bytes());
            }
            for (k, v) in pairs {
                pack(out, &Value::Str(k.clone()));
                pack(out, v);
            }
        }
    }
}

fn fnv1a(category: &str, name: &str, file: &str, line: u32) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    let parts: [&[u8]; 7] = [category.as_bytes(), b"::", name.as_bytes(), b"::", file.as_bytes(), b"::",
                             &line.to_le_bytes()];
    for part in parts {
        for b in part {
            h ^= *b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    h
}

fn now_us() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_micros() as u64
}

struct Decision {
    at_us: u64,
    category: &'static str,
    name: &'static str,
    line: u32,
    input: Value,
    result: Value,
    wrong_id: bool,
}

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".ruchy".to_string());
    let file = file!();
    let mut made: Vec<Decision> = Vec::new();
    let mut err = std::io::stderr();
    eprintln!("decisions_app: starting"); // syscall: write (ordinary stderr, not a decision)

    // a decision whose work (a stat) runs on the line the manifest names
    let infer_input = map(vec![("expr", s("x + 1")), ("scope", map(vec![("depth", Value::Uint(2))]))]);
    eprintln!("[DECISION] type_inference::infer input={}", json(&infer_input)); // syscall: write
    let at = now_us();
    let infer_line = line!(); let _ = fs::metadata("/"); // syscall: statx
    eprintln!("[RESULT] infer = {}", json(&s("i64"))); // syscall: write
    made.push(Decision { at_us: at, category: "type_inference", name: "infer", line: infer_line,
                         input: infer_input, result: s("i64"), wrong_id: false });

    // nested decisions of one name: each result closes the latest one still open
    eprintln!("[DECISION] codegen::emit_fn input={{\"fn\":\"outer\"}}"); // syscall: write
    eprintln!("[DECISION] codegen::emit_fn input={{\"fn\":\"inner\"}}"); // syscall: write
    let at = now_us();
    let emit_line = line!(); let _ = fs::metadata("/tmp"); // syscall: statx
    eprintln!("[RESULT] emit_fn = {{\"lines\":3}}"); // syscall: write
    eprintln!("[RESULT] emit_fn = {{\"lines\":10}}"); // syscall: write
    made.push(Decision { at_us: at, category: "codegen", name: "emit_fn", line: emit_line,
                         input: map(vec![("fn", s("inner"))]), result: map(vec![("lines", Value::Uint(3))]),
                         wrong_id: false });
    // the same name from another line: the manifest has two emit_fn entries
    made.push(Decision { at_us: now_us(), category: "codegen", name: "emit_fn", line: line!(),
                         input: map(vec![("fn", s("outer"))]), result: map(vec![("lines", Value::Uint(10))]),
                         wrong_id: false });

    eprintln!("[DECISION] missing_separator input={{broken"); // syscall: write (malformed)
    eprintln!("[DECISION] optimize::inline input={{\"callee\":\"helper\"}}"); // syscall: write (no result)

    // one writev carrying a decision and its result
    let parts = [IoSlice::new(b"[DECISION] ownership::borrow input="),
                 IoSlice::new(b"{\"var\":\"v\"}\n[RESULT] borrow = \"shared\"\n")];
    let _ = err.write_vectored(&parts); // syscall: writev

    // one large write: a decision whose input is a 6000-character string
    let big = "y".repeat(6000);
    let line = format!("[DECISION] codegen::inline_asm input={}\n[RESULT] inline_asm = null\n", json(&s(&big)));
    err.write_all(line.as_bytes()).unwrap(); // syscall: write

    // a line split across two writes, another call between them
    err.write_all(b"[DECISION] parse::split inp").unwrap(); // syscall: write
    let _ = fs::metadata("/"); // syscall: statx
    err.write_all(b"ut={\"a\":1}\n[RESULT] split = true\n").unwrap(); // syscall: write

    // the binary form: a record for each decision, and a manifest naming them by id
    let mut entries = Vec::new();
    let mut records = Vec::new();
    let at = now_us();
    made.push(Decision { at_us: at, category: "optimize", name: "const_fold", line: line!(),
                         input: map(vec![("op", s("+")), ("args", map(vec![("a", Value::Uint(2)),
                                                                           ("b", Value::Uint(40))]))]),
                         result: Value::Uint(42), wrong_id: true });
    made.push(Decision { at_us: now_us(), category: "optimize", name: "dead_code", line: line!(),
                         input: map(vec![("block", Value::Uint(7))]), result: Value::Nil, wrong_id: false });
    for d in made {
        let mut id = fnv1a(d.category, d.name, file, d.line);
        if d.wrong_id {
            id ^= 1;
        }
        let loc = map(vec![("file", s(file)), ("line", Value::Uint(d.line as u64)), ("column", Value::Uint(5))]);
        let loc2 = map(vec![("file", s(file)), ("line", Value::Uint(d.line as u64)), ("column", Value::Uint(5))]);
        let mut record = vec![("timestamp_us", Value::Uint(d.at_us)), ("category", s(d.category)),
                              ("name", s(d.name)), ("input", d.input)];
        let result_json = json(&d.result);
        if !matches!(d.result, Value::Nil) {
            record.push(("result", d.result));
        }
        record.push(("source_location", loc));
        record.push(("decision_id", Value::Uint(id)));
        let record = map(record);
        let input_json = match &record {
            Value::Map(pairs) => json(&pairs[3].1),
            _ => String::new(),
        };
        entries.push(format!("\"{:016x}\":{{\"decision_id\":{},\"category\":\"{}\",\"name\":\"{}\",\"source\":{},\
                              \"input\":{},\"result\":{}}}", id, id, d.category, d.name, json(&loc2), input_json,
                             result_json));
        records.push(record);
    }
    let mut packed = vec![0x90 | records.len() as u8];
    for r in &records {
        pack(&mut packed, r);
    }
    let manifest = format!("{{\"version\":\"1.0\",\"git_commit\":\"0123abc\",\"transpiler_version\":\"0.9.0\",\
                            \"entries\":{{{}}}}}\n", entries.join(","));
    fs::create_dir_all(&dir).unwrap(); // syscall: mkdir
    fs::write(format!("{}/decisions.msgpack", dir), packed).unwrap(); // syscall: openat, write
    fs::write(format!("{}/decision_manifest.json", dir), manifest).unwrap(); // syscall: openat, write
    eprintln!("decisions_app: done"); // syscall: write
}
