//! `cargo xtask roofline`: how far each population engine is from what this
//! CPU allows.
//!
//! For every case of `glif_benches::roofline` (GLIF3/GLIF5 in f64/f32 on the
//! Allen population, NEST's `glif_psc` and `glif_psc_double_alpha`):
//!
//! 1. find the engine's hot loop in this (release) binary: `objdump -d`,
//!    follow the calls from the case's never-inlined function, and take the
//!    loop (a backward jump and the instructions it spans) densest in packed
//!    floating-point arithmetic (at least 4 such instructions): the step
//!    loop, not the outer loops around it, whose code is mostly the rare
//!    spike path (`--asm` prints it, to check);
//! 2. count its instruction mix (divisions, FP add/sub, mul, FMA, other
//!    vector operations, loads, stores, scalar integer operations, vector
//!    width);
//! 3. derive two lower bounds on the cycles of one pass (one step of one
//!    block of `lanes` neurons) from the CPU's documented figures
//!    ([`CPU_TABLES`]): the throughput bound (the busiest execution
//!    resource: divider, FP pipes, load and store ports, integer ALUs,
//!    dispatch) and the latency bound (the longest loop-carried register
//!    dependency chain through one pass, from per-instruction latencies);
//! 4. convert cycles to ns per neuron-step with the clock measured on a
//!    chain of dependent f64 additions (their latency is in the table), and
//!    time the case (thread CPU time, median of `--repeats` runs);
//! 5. print bound, measured and their ratio.
//!
//! The model ignores the front end beyond dispatch width, caches (a block's
//! state is in registers; its constants fit in L1) and the rare spike path.
//! docs/PERFORMANCE.md ("The bound") explains it and quotes the output.

use std::collections::{BTreeMap, HashMap};
use std::process::{Command, ExitCode};
use std::time::Instant;

use crate::compare::{cpu_model, rerun_in_release, rustc_version};
use crate::compare_nest::process_cpu_seconds as thread_cpu_seconds;

const CHILD_ENV: &str = "GLIF_XTASK_ROOFLINE_RELEASE";

const HELP: &str = "\
cargo xtask roofline [--repeats N] [--only NAME] [--asm]

For each population engine case: the hot loop's instruction mix from this
binary's disassembly, the throughput and latency bounds per neuron-step for
this CPU, the measured time and the ratio (docs/PERFORMANCE.md).

  --repeats N  timed runs per case (default 3; the median is reported)
  --only NAME  only cases whose name contains NAME (e.g. GLIF5, psc)
  --asm        also print each hot loop's instructions";

/// Documented per-instruction costs of one CPU family, in cycles.
#[derive(Debug)]
pub(crate) struct CpuTable {
    /// What it is and where the figures come from.
    pub name: &'static str,
    /// `/proc/cpuinfo`'s `cpu family` and the `model` range it covers.
    pub family: u32,
    pub models: &'static [(u32, u32)],
    /// Reciprocal throughput of one division (xmm or ymm), f64 and f32.
    pub div_f64: f64,
    pub div_f32: f64,
    /// Latency of one division, f64 and f32.
    pub div_lat_f64: f64,
    pub div_lat_f32: f64,
    /// Pipes that execute FP add/sub, FP mul/FMA, any vector operation.
    pub add_pipes: f64,
    pub mul_pipes: f64,
    pub vec_pipes: f64,
    /// Latencies of FP add/sub, mul, FMA; other vector ops (compare,
    /// blend, logic, shuffle); vector or scalar loads.
    pub add_lat: f64,
    pub mul_lat: f64,
    pub fma_lat: f64,
    pub vec_other_lat: f64,
    pub load_lat: f64,
    /// Loads per cycle (any width / 256-bit), stores per cycle (up to 128
    /// bits / 256-bit), integer ALUs, macro-ops dispatched per cycle.
    pub loads: f64,
    pub loads_256: f64,
    pub stores: f64,
    pub stores_256: f64,
    pub int_alus: f64,
    pub dispatch: f64,
}

/// The CPUs this command knows. A CPU not listed gets the instruction mix
/// and the measured time, and no bound.
pub(crate) const CPU_TABLES: &[CpuTable] = &[CpuTable {
    // Zen 3 (EPYC 7003 "Milan", Ryzen 5000): family 19h, models 00h-0Fh and
    // 20h-5Fh. Sources: AMD, "Software Optimization Guide for AMD EPYC 7003
    // Processors" (pub. 56665): 4 FP pipes (FP0/FP1 multiply and FMA,
    // FP2/FP3 add), 256-bit datapaths, 3 loads per cycle (2 of them
    // 256-bit), 2 stores per cycle (1 if 256-bit), 4 integer ALUs, 6
    // macro-ops dispatched per cycle; FP add/mul latency 3, FMA 4. The
    // divider: GCC's Zen model (gcc/config/i386/znver.md, commit
    // dd744f06c995, "Zen 3 can issue divss and divsd each 3.5 and 4.5
    // cycles on average"), the same for the 128- and 256-bit packed forms
    // (Agner Fog, "Instruction tables", Zen 3: DIVPD/DIVPS ymm as xmm);
    // latencies 13.5 (f64) and 10.5 (f32) from Agner Fog's table.
    name: "AMD Zen 3 (family 19h; AMD pub. 56665, GCC znver.md, Agner Fog's tables)",
    family: 25,
    models: &[(0x00, 0x0f), (0x20, 0x5f)],
    div_f64: 4.5,
    div_f32: 3.5,
    div_lat_f64: 13.5,
    div_lat_f32: 10.5,
    add_pipes: 2.0,
    mul_pipes: 2.0,
    vec_pipes: 4.0,
    add_lat: 3.0,
    mul_lat: 3.0,
    fma_lat: 4.0,
    vec_other_lat: 1.0,
    load_lat: 7.0,
    loads: 3.0,
    loads_256: 2.0,
    stores: 2.0,
    stores_256: 1.0,
    int_alus: 4.0,
    dispatch: 6.0,
}];

/// The table for this machine's CPU (`cpu family` and `model` of
/// /proc/cpuinfo), if there is one.
fn cpu_table() -> Option<&'static CpuTable> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    let field = |name: &str| -> Option<u32> {
        info.lines()
            .find(|l| l.split(':').next().map(str::trim) == Some(name))
            .and_then(|l| l.split_once(':'))
            .and_then(|(_, v)| v.trim().parse().ok())
    };
    let (family, model) = (field("cpu family")?, field("model")?);
    CPU_TABLES
        .iter()
        .find(|t| t.family == family && t.models.iter().any(|&(a, b)| (a..=b).contains(&model)))
}

/// One disassembled instruction.
#[derive(Clone, Debug)]
struct Insn {
    addr: u64,
    mnemonic: String,
    operands: String,
    /// For `call *slot(%rip)`: the address of the GOT slot (objdump's comment).
    slot: Option<u64>,
}

/// A function of the binary: its name and instructions.
struct Function {
    name: String,
    insns: Vec<Insn>,
}

/// Every function of `exe`, by start address.
fn disassemble(exe: &std::path::Path) -> Result<BTreeMap<u64, Function>, String> {
    let out = Command::new("objdump")
        .args(["-d", "--no-show-raw-insn", "-w"])
        .arg(exe)
        .output()
        .map_err(|e| format!("could not run objdump (binutils): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "objdump failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut functions = BTreeMap::new();
    let mut current: Option<(u64, Function)> = None;
    for line in text.lines() {
        if let Some((addr, rest)) = line.split_once(" <") {
            if let (Ok(a), Some(name)) = (
                u64::from_str_radix(addr.trim(), 16),
                rest.strip_suffix(">:"),
            ) {
                if let Some((a0, f)) = current.take() {
                    functions.insert(a0, f);
                }
                current = Some((
                    a,
                    Function {
                        name: name.to_string(),
                        insns: Vec::new(),
                    },
                ));
                continue;
            }
        }
        let Some((_, f)) = current.as_mut() else {
            continue;
        };
        let Some((addr, body)) = line.split_once(":\t") else {
            continue;
        };
        let Ok(addr) = u64::from_str_radix(addr.trim(), 16) else {
            continue;
        };
        let body = body.trim();
        let (mnemonic, operands) = body.split_once(char::is_whitespace).unwrap_or((body, ""));
        // Drop objdump's `<symbol+off>` annotation and `# comment`s.
        let (operands, comment) = operands.split_once('#').unwrap_or((operands, ""));
        let operands = operands.split(" <").next().unwrap_or("").trim();
        let slot = comment
            .split_whitespace()
            .next()
            .and_then(|a| u64::from_str_radix(a, 16).ok());
        f.insns.push(Insn {
            addr,
            mnemonic: mnemonic.to_string(),
            operands: operands.to_string(),
            slot,
        });
    }
    if let Some((a0, f)) = current.take() {
        functions.insert(a0, f);
    }
    Ok(functions)
}

/// The binary's GOT slots that hold the address of one of its own
/// functions (`R_X86_64_RELATIVE` relocations): calls to other crates'
/// functions go through them (`call *slot(%rip)`).
fn got_slots(exe: &std::path::Path) -> Result<HashMap<u64, u64>, String> {
    let out = Command::new("objdump")
        .arg("-R")
        .arg(exe)
        .output()
        .map_err(|e| format!("could not run objdump -R: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let slot = u64::from_str_radix(w.next()?, 16).ok()?;
            (w.next()? == "R_X86_64_RELATIVE").then_some(())?;
            let target = w.next()?.strip_prefix("*ABS*+0x")?;
            Some((slot, u64::from_str_radix(target, 16).ok()?))
        })
        .collect())
}

/// The direct target of a call or jump.
fn target(i: &Insn) -> Option<u64> {
    u64::from_str_radix(i.operands.trim(), 16).ok()
}

/// Operands split at top-level commas (not inside parentheses).
fn split_operands(ops: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in ops.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(ops[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    if !ops.trim().is_empty() {
        out.push(ops[start..].trim());
    }
    out
}

/// What an instruction does, for the model.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Div {
        f32: bool,
    },
    Sqrt,
    Add,
    Mul,
    Fma,
    /// Any other vector/FP operation (compare, blend, logic, shuffle,
    /// conversion, register move).
    VecOther,
    /// A vector move to or from memory only (load/store ports, no FP pipe).
    VecMove,
    /// Scalar integer operation or branch.
    Int,
}

fn kind(i: &Insn) -> Kind {
    let m = i.mnemonic.as_str();
    let base = m.strip_prefix('v').unwrap_or(m);
    let fp_suffix = ["ps", "pd", "ss", "sd"].iter().any(|s| base.ends_with(s));
    let vector_regs = i.operands.contains("%xmm") || i.operands.contains("%ymm");
    if base.starts_with("div") && fp_suffix {
        return Kind::Div {
            f32: base.ends_with("ps") || base.ends_with("ss"),
        };
    }
    if base.starts_with("sqrt") && fp_suffix {
        return Kind::Sqrt;
    }
    if base.starts_with("fmadd")
        || base.starts_with("fmsub")
        || base.starts_with("fnmadd")
        || base.starts_with("fnmsub")
    {
        return Kind::Fma;
    }
    if (base.starts_with("mul") && fp_suffix) && vector_regs {
        return Kind::Mul;
    }
    if (base.starts_with("add") || base.starts_with("sub")) && fp_suffix && vector_regs {
        return Kind::Add;
    }
    if vector_regs {
        // Loads, stores and register copies (move elimination) take no FP pipe.
        let is_move = base.starts_with("mov") || base.starts_with("broadcast");
        if is_move
            && (i.operands.contains('(') || base.starts_with("mova") || base.starts_with("movu"))
        {
            return Kind::VecMove;
        }
        return Kind::VecOther;
    }
    Kind::Int
}

/// Memory reads and writes of an instruction (AT&T: destination last).
fn memory(i: &Insn) -> (bool, bool) {
    let ops = split_operands(&i.operands);
    let m = i.mnemonic.as_str();
    let Some(last) = ops.last() else {
        return (
            m.starts_with("pop") || m.starts_with("ret"),
            m.starts_with("push") || m.starts_with("call"),
        );
    };
    if m.starts_with("lea") || m.starts_with("nop") {
        return (false, false);
    }
    let mem_src = ops[..ops.len() - 1].iter().any(|o| o.contains('('));
    let mem_dst = last.contains('(') && ops.len() > 1;
    let single_mem = ops.len() == 1 && last.contains('(');
    let pure_write = m.starts_with("mov") || m.starts_with("vmov") || m.starts_with("set");
    let read = mem_src || single_mem || (mem_dst && !pure_write && !m.starts_with("vmaskmov"));
    let write = (mem_dst && !m.starts_with("cmp") && !m.starts_with("test"))
        || m.starts_with("push")
        || m.starts_with("call");
    (read, write)
}

/// A register's architectural name (ymm/xmm N as one; rax/eax/ax/al as one).
fn reg_name(r: &str) -> String {
    let r = r.trim_start_matches('%');
    if let Some(n) = r.strip_prefix("ymm").or_else(|| r.strip_prefix("xmm")) {
        return format!("v{n}");
    }
    if let Some(n) = r.strip_prefix('r') {
        if n.starts_with(|c: char| c.is_ascii_digit()) {
            return format!("r{}", n.trim_end_matches(['d', 'w', 'b']));
        }
    }
    let core = r.trim_start_matches(['r', 'e']);
    match core {
        "al" | "ah" | "ax" => "a".into(),
        "bl" | "bh" | "bx" => "b".into(),
        "cl" | "ch" | "cx" => "c".into(),
        "dl" | "dh" | "dx" => "d".into(),
        "sil" | "si" => "si".into(),
        "dil" | "di" => "di".into(),
        "bpl" | "bp" => "bp".into(),
        "spl" | "sp" => "sp".into(),
        other => other.into(),
    }
}

fn regs_in(op: &str) -> Vec<String> {
    op.split('%')
        .skip(1)
        .map(|r| {
            let end = r
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(r.len());
            reg_name(&r[..end])
        })
        .collect()
}

/// Values read (with whether they come through a load, which adds the
/// load latency) and the value written, in AT&T operand order. Memory
/// written or read at an address expression is a value of its own
/// (`mem <expr>`), so a spill slot carries its value from store to load.
fn dataflow(i: &Insn) -> (Vec<(String, bool)>, Option<String>) {
    let ops = split_operands(&i.operands);
    let m = i.mnemonic.as_str();
    let mut reads: Vec<(String, bool)> = Vec::new();
    let Some(last) = ops.last() else {
        return (reads, None);
    };
    let read_operand = |o: &str, reads: &mut Vec<(String, bool)>| {
        let mem = o.contains('(');
        reads.extend(regs_in(o).into_iter().map(|r| (r, mem)));
        if mem {
            reads.push((format!("mem {o}"), true));
        }
    };
    for o in &ops[..ops.len() - 1] {
        read_operand(o, &mut reads);
    }
    let dst_is_reg = !last.contains('(') && last.starts_with('%');
    if !dst_is_reg {
        // A store (or compare with memory): the address registers are read.
        reads.extend(regs_in(last).into_iter().map(|r| (r, false)));
        if last.contains('(') && ops.len() > 1 {
            return (reads, Some(format!("mem {last}")));
        }
        return (reads, None);
    }
    let dst = reg_name(last);
    let vex3 = m.starts_with('v') && ops.len() >= 3;
    let fma = kind(i) == Kind::Fma;
    let pure = m.starts_with("mov")
        || m.starts_with("vmov")
        || m.starts_with("lea")
        || m.starts_with("set")
        || m.starts_with("vbroadcast")
        || m.starts_with("cvt")
        || m.starts_with("vcvt");
    // xor r,r (and vxorps v,v,v) is a zeroing idiom: no dependency.
    let zeroing =
        (m.contains("xor") || m.starts_with("vpxor")) && ops.iter().all(|o| reg_name(o) == dst);
    if zeroing {
        return (Vec::new(), Some(dst));
    }
    if fma || !(vex3 || pure) {
        reads.push((dst.clone(), false));
    }
    (reads, Some(dst))
}

/// Cycles from the last input ready (a loaded input: its load issued) to
/// the result.
fn latency(t: &CpuTable, i: &Insn) -> f64 {
    match kind(i) {
        Kind::Div { f32: false } => t.div_lat_f64,
        Kind::Div { f32: true } => t.div_lat_f32,
        Kind::Sqrt => t.div_lat_f64,
        Kind::Add => t.add_lat,
        Kind::Mul => t.mul_lat,
        Kind::Fma => t.fma_lat,
        Kind::VecOther => t.vec_other_lat,
        Kind::VecMove => 0.0,
        Kind::Int => {
            if i.mnemonic.starts_with("mov") || i.mnemonic.starts_with("lea") {
                0.0
            } else {
                1.0
            }
        }
    }
}

/// The instruction mix of one pass of a loop.
#[derive(Debug, Default)]
struct Mix {
    insns: usize,
    div_f64: usize,
    div_f32: usize,
    sqrt: usize,
    add: usize,
    mul: usize,
    fma: usize,
    vec_other: usize,
    loads: usize,
    loads_256: usize,
    stores: usize,
    stores_256: usize,
    int: usize,
    /// Widest vector register used, bits.
    width: u32,
}

fn mix(body: &[Insn]) -> Mix {
    let mut m = Mix::default();
    let mut prev_flags = false;
    for i in body {
        let k = kind(i);
        let wide = i.operands.contains("%ymm");
        let (r, w) = memory(i);
        // A compare/test/ALU op followed by a conditional jump is one macro-op.
        let is_jcc = i.mnemonic.starts_with('j') && i.mnemonic != "jmp";
        if !(is_jcc && prev_flags) {
            m.insns += 1;
        }
        prev_flags = k == Kind::Int
            && ["cmp", "test", "add", "sub", "and", "inc", "dec"]
                .iter()
                .any(|p| i.mnemonic.starts_with(p));
        m.width = m.width.max(if wide {
            256
        } else if i.operands.contains("%xmm") {
            128
        } else {
            m.width
        });
        match k {
            Kind::Div { f32: false } => m.div_f64 += 1,
            Kind::Div { f32: true } => m.div_f32 += 1,
            Kind::Sqrt => m.sqrt += 1,
            Kind::Add => m.add += 1,
            Kind::Mul => m.mul += 1,
            Kind::Fma => m.fma += 1,
            Kind::VecOther => m.vec_other += 1,
            Kind::VecMove => {}
            Kind::Int => {
                if !(r && !w && i.mnemonic.starts_with("mov")) {
                    m.int += 1;
                }
            }
        }
        if r {
            m.loads += 1;
            m.loads_256 += usize::from(wide);
        }
        if w {
            m.stores += 1;
            m.stores_256 += usize::from(wide);
        }
    }
    m
}

/// Cycles of one pass by each resource; the largest is the throughput bound.
fn throughput(t: &CpuTable, m: &Mix) -> Vec<(&'static str, f64)> {
    let fp = (m.add + m.mul + m.fma + m.vec_other + m.div_f64 + m.div_f32 + m.sqrt) as f64;
    vec![
        (
            "divider",
            m.div_f64 as f64 * t.div_f64 + m.div_f32 as f64 * t.div_f32,
        ),
        ("FP add pipes", m.add as f64 / t.add_pipes),
        ("FP mul/FMA pipes", (m.mul + m.fma) as f64 / t.mul_pipes),
        ("all FP pipes", fp / t.vec_pipes),
        (
            "loads",
            (m.loads as f64 / t.loads).max(m.loads_256 as f64 / t.loads_256),
        ),
        (
            "stores",
            (m.stores as f64 / t.stores).max(m.stores_256 as f64 / t.stores_256),
        ),
        ("integer ALUs", m.int as f64 / t.int_alus),
        ("dispatch", m.insns as f64 / t.dispatch),
    ]
}

/// The loop-carried latency per pass: the body run `PASSES` times back to
/// back, each register's ready time carried over; the growth per pass of
/// the latest ready time in the last passes. A value stored and loaded back
/// from the same address expression (a spill slot) is followed, the load's
/// latency standing for store forwarding; other loads are taken as ready
/// (constants, independent of the previous pass).
fn latency_per_pass(t: &CpuTable, body: &[Insn]) -> f64 {
    const PASSES: usize = 40;
    let mut ready: HashMap<String, f64> = HashMap::new();
    let mut ends = Vec::with_capacity(PASSES);
    for _ in 0..PASSES {
        for i in body {
            let (reads, write) = dataflow(i);
            let start = reads
                .iter()
                .map(|(r, load)| {
                    ready.get(r).copied().unwrap_or(0.0) + if *load { t.load_lat } else { 0.0 }
                })
                .fold(0.0, f64::max);
            if let Some(w) = write {
                ready.insert(w, start + latency(t, i));
            }
        }
        ends.push(ready.values().copied().fold(0.0, f64::max));
    }
    let half = PASSES / 2;
    (ends[PASSES - 1] - ends[half - 1]) / (PASSES - half) as f64
}

/// The hot loop reached from the function named `symbol`: its instructions.
fn hot_loop(
    functions: &BTreeMap<u64, Function>,
    got: &HashMap<u64, u64>,
    symbol: &str,
) -> Result<(String, Vec<Insn>), String> {
    // Legacy Rust mangling: each path segment is prefixed by its length.
    let key = format!("{}{}", symbol.len(), symbol);
    let (&root, _) = functions
        .iter()
        .find(|(_, f)| f.name.contains(&key))
        .ok_or_else(|| format!("no function {symbol} in this binary"))?;
    let mut seen = vec![root];
    let mut frontier = vec![root];
    for _ in 0..4 {
        let mut next = Vec::new();
        for a in &frontier {
            for i in &functions[a].insns {
                if i.mnemonic.starts_with("call") || i.mnemonic.starts_with("jmp") {
                    let to = target(i).or_else(|| i.slot.and_then(|s| got.get(&s).copied()));
                    if let Some(t) = to.filter(|t| functions.contains_key(t)) {
                        if !seen.contains(&t) {
                            seen.push(t);
                            next.push(t);
                        }
                    }
                }
            }
        }
        frontier = next;
    }
    let packed = |i: &Insn| {
        let m = i.mnemonic.as_str();
        matches!(
            kind(i),
            Kind::Add | Kind::Mul | Kind::Fma | Kind::Div { .. }
        ) && (m.ends_with("pd") || m.ends_with("ps"))
    };
    let mut best: Option<(f64, String, Vec<Insn>)> = None;
    for a in &seen {
        let f = &functions[a];
        let loops: Vec<(u64, u64)> = f
            .insns
            .iter()
            .filter(|i| i.mnemonic.starts_with('j'))
            .filter_map(|i| {
                target(i)
                    .filter(|&t| t >= *a && t < i.addr)
                    .map(|t| (t, i.addr))
            })
            .collect();
        for &(lo, hi) in &loops {
            let body: Vec<Insn> = f
                .insns
                .iter()
                .filter(|i| i.addr >= lo && i.addr <= hi)
                .cloned()
                .collect();
            let n = body.iter().filter(|i| packed(i)).count();
            if n == 0 {
                continue;
            }
            // The densest in packed arithmetic: the engine's step loop, not
            // an outer loop around it (whose code is mostly the rare path).
            let density = n as f64 / body.len() as f64;
            if n >= 4 && best.as_ref().is_none_or(|(b, _, _)| density > *b) {
                let name = format!("{} [{lo:#x}..={hi:#x}]", f.name);
                best = Some((density, name, body));
            }
        }
    }
    best.map(|(_, n, b)| (n, b))
        .ok_or_else(|| format!("no loop with packed FP arithmetic reached from {symbol}"))
}

/// The core clock (GHz) from a chain of dependent f64 additions, timed in
/// thread CPU time (so time the thread was not running does not count).
fn measure_ghz(add_latency: f64) -> f64 {
    const N: u64 = 200_000_000;
    let c = std::hint::black_box(1e-12_f64);
    let t0 = thread_cpu_seconds();
    let mut x = std::hint::black_box(0.0_f64);
    for _ in 0..N {
        x += c;
    }
    std::hint::black_box(x);
    let s = thread_cpu_seconds() - t0;
    N as f64 * add_latency / s / 1e9
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Entry point.
pub fn run(args: &[String]) -> ExitCode {
    let mut repeats = 3usize;
    let mut only: Option<String> = None;
    let mut asm = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--repeats" => match it.next().and_then(|n| n.parse().ok()).filter(|&n| n > 0) {
                Some(n) => repeats = n,
                None => {
                    eprintln!("roofline: --repeats needs a positive whole number");
                    return ExitCode::from(2);
                }
            },
            "--only" => match it.next() {
                Some(n) => only = Some(n.clone()),
                None => {
                    eprintln!("roofline: --only needs a case name (e.g. GLIF5, psc)");
                    return ExitCode::from(2);
                }
            },
            "--asm" => asm = true,
            "-h" | "--help" => {
                println!("{HELP}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("roofline: unknown argument {other:?}\n\n{HELP}");
                return ExitCode::from(2);
            }
        }
    }
    if cfg!(debug_assertions) && std::env::var_os(CHILD_ENV).is_none() {
        return rerun_in_release("roofline", CHILD_ENV, args);
    }
    match roofline(repeats, only.as_deref(), asm) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("roofline: {e}");
            ExitCode::FAILURE
        }
    }
}

fn roofline(repeats: usize, only: Option<&str>, asm: bool) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| format!("where is this binary? {e}"))?;
    let (model, cpus) = cpu_model();
    let table = cpu_table();
    println!(
        "cargo xtask roofline: {model}, {cpus} logical CPUs, {}",
        rustc_version()
    );
    println!("load average at start: {}", loadavg());
    let ghz = table.map(|t| measure_ghz(t.add_lat));
    match (table, ghz) {
        (Some(t), Some(g)) => println!(
            "CPU table: {}\nclock: {g:.2} GHz (a chain of dependent f64 additions, {} cycles each, in thread CPU time)",
            t.name, t.add_lat
        ),
        _ => println!("no instruction table for this CPU (cpu family/model): mix and times only"),
    }
    let functions = disassemble(&exe)?;
    let got = got_slots(&exe)?;
    let cases = glif_benches::roofline::cases();
    let mut rows = Vec::new();
    for case in cases
        .iter()
        .filter(|c| only.is_none_or(|o| c.name.contains(o)))
    {
        let (loop_name, body) = hot_loop(&functions, &got, case.symbol)?;
        let m = mix(&body);
        println!(
            "\n{}: hot loop {} instructions ({} macro-ops), {}-bit vectors, {} neurons per pass\n  in {}",
            case.name,
            body.len(),
            m.insns,
            m.width,
            case.lanes,
            loop_name
        );
        println!(
            "  mix per pass: div f64 {} / f32 {}, sqrt {}, add/sub {}, mul {}, fma {}, other vector {}, loads {} ({} 256-bit), stores {} ({} 256-bit), scalar integer {}",
            m.div_f64, m.div_f32, m.sqrt, m.add, m.mul, m.fma, m.vec_other, m.loads, m.loads_256, m.stores, m.stores_256, m.int
        );
        if asm {
            for i in &body {
                println!("    {:x}: {:<12} {}", i.addr, i.mnemonic, i.operands);
            }
        }
        let mut bound = None;
        if let (Some(t), Some(g)) = (table, ghz) {
            let res = throughput(t, &m);
            let (what, cyc) = res
                .iter()
                .copied()
                .fold(("", 0.0), |a, b| if b.1 > a.1 { b } else { a });
            let lat = latency_per_pass(t, &body);
            println!(
                "  cycles per pass: {}",
                res.iter()
                    .map(|(n, c)| format!("{n} {c:.1}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            println!(
                "  throughput bound {cyc:.1} cycles ({what}); loop-carried latency {lat:.1} cycles"
            );
            let per = |c: f64| c / case.lanes as f64 / g;
            bound = Some((per(cyc), what, per(lat)));
            if m.sqrt > 0 {
                println!("  note: the table has no sqrt figures; sqrt counted as an f64 division");
            }
        }
        // Firing and silent runs interleaved, so both see the same load.
        let (mut times, mut walls, mut quiet) = (Vec::new(), Vec::new(), Vec::new());
        let (mut spikes, mut silent_spikes) = (0, 0);
        let load0 = loadavg();
        for _ in 0..repeats {
            let t0 = thread_cpu_seconds();
            let w0 = Instant::now();
            spikes = std::hint::black_box((case.run)());
            walls.push(w0.elapsed().as_secs_f64());
            times.push(thread_cpu_seconds() - t0);
            let t0 = thread_cpu_seconds();
            silent_spikes = std::hint::black_box((case.silent)());
            quiet.push(thread_cpu_seconds() - t0);
        }
        let ns = |s: f64| s * 1e9 / case.neuron_steps as f64;
        let cpu = median(times.iter().map(|&s| ns(s)).collect());
        let wall = median(walls.iter().map(|&s| ns(s)).collect());
        let silent = median(quiet.iter().map(|&s| ns(s)).collect());
        println!(
            "  measured: {cpu:.3} ns per neuron-step firing ({spikes} spikes), {silent:.3} silent ({silent_spikes} spikes): thread CPU time, median of {repeats} (firing wall {wall:.3}); load {load0} -> {}",
            loadavg()
        );
        rows.push((case.name, bound, cpu, silent));
    }
    println!("\n| case | throughput bound | bound by | latency bound | firing | firing / bound | silent | silent / bound |");
    println!("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |");
    for (name, bound, cpu, silent) in rows {
        match bound {
            Some((tb, what, lb)) => {
                let b = tb.max(lb);
                println!(
                    "| {name} | {tb:.3} | {what} | {lb:.3} | {cpu:.3} | {:.2}x | {silent:.3} | {:.2}x |",
                    cpu / b,
                    silent / b
                )
            }
            None => println!("| {name} | — | — | — | {cpu:.3} | — | {silent:.3} | — |"),
        }
    }
    println!("\n(ns per neuron-step; load average at end: {})", loadavg());
    Ok(())
}
