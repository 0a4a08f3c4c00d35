//! `cargo xtask roofline`: how far each population engine is from what this
//! CPU allows.
//!
//! For every case of `glif_benches::roofline` (GLIF3/GLIF5 in f64/f32 on the
//! Allen population, NEST's `glif_psc` and `glif_psc_double_alpha`, and one
//! `glif_psc` neuron through the single-neuron model):
//!
//! 1. find the engine's hot loop in this (release) binary: `objdump -d`,
//!    follow the calls from the case's never-inlined function, and take,
//!    in the functions fewest calls from it that have one, the loop (a
//!    backward jump and the instructions it spans) densest in packed
//!    floating-point arithmetic (at least 4 such instructions): the step
//!    loop, not the outer loops around it, whose code is mostly the rare
//!    spike path (`--asm` prints it, to check); for the one-neuron case
//!    (one lane), the loop densest in scalar FP arithmetic;
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
//! 5. print bound, measured and their ratio (and, for the one-neuron
//!    case, the loop-carried chain instruction by instruction).
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
    /// The same for a 512-bit (zmm) division.
    pub div_f64_512: f64,
    pub div_f32_512: f64,
    /// Pipe cycles one 512-bit operation takes on its pipe (Zen 4 runs it
    /// as two 256-bit halves on the same pipe: 2), and 256-bit load/store
    /// slots one 512-bit load or store takes.
    pub cost_512: f64,
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
    /// Loads per cycle (any width / 256-bit slots), stores per cycle (any
    /// width / 256-bit slots / vector stores of any width), integer ALUs,
    /// macro-ops dispatched per cycle. A 512-bit load or store takes
    /// `cost_512` 256-bit slots.
    pub loads: f64,
    pub loads_256: f64,
    pub stores: f64,
    pub stores_256: f64,
    pub stores_vec: f64,
    pub int_alus: f64,
    pub dispatch: f64,
}

const ZEN3: CpuTable = CpuTable {
    // Zen 3 (EPYC 7003 "Milan", Ryzen 5000): family 19h, models 00h-0Fh
    // and 20h-5Fh. Sources: AMD, "Software Optimization Guide for AMD
    // EPYC 7003 Processors" (pub. 56665): 4 FP pipes (FP0/FP1 multiply
    // and FMA, FP2/FP3 add), 256-bit datapaths, 3 loads per cycle (2 of
    // them 256-bit), 2 stores per cycle (1 if 256-bit), 4 integer ALUs,
    // 6 macro-ops dispatched per cycle; FP add/mul latency 3, FMA 4. The
    // divider: GCC's Zen model (gcc/config/i386/znver.md, commit
    // dd744f06c995, "Zen 3 can issue divss and divsd each 3.5 and 4.5
    // cycles on average"), the same for the 128- and 256-bit packed forms
    // (Agner Fog, "Instruction tables", Zen 3: DIVPD/DIVPS ymm as xmm);
    // latencies 13.5 (f64) and 10.5 (f32) from Agner Fog's table. Zen 3
    // has no AVX-512: the 512-bit figures are never used.
    name: "AMD Zen 3 (family 19h; AMD pub. 56665, GCC znver.md, Agner Fog's tables)",
    family: 25,
    models: &[(0x00, 0x0f), (0x20, 0x5f)],
    div_f64: 4.5,
    div_f32: 3.5,
    div_f64_512: 9.0,
    div_f32_512: 7.0,
    cost_512: 2.0,
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
    stores_vec: 2.0,
    int_alus: 4.0,
    dispatch: 6.0,
};

const ZEN4: CpuTable = CpuTable {
    // Zen 4 (EPYC 9004 "Genoa", Ryzen 7000): family 19h, models
    // 10h-1Fh, 60h-7Fh and A0h-AFh. Sources: AMD, "Software Optimization
    // Guide for the AMD Zen4 Microarchitecture" (pub. 57647): the same 4
    // FP pipes as Zen 3 (FP0/FP1 multiply, FMA, compares and blends,
    // FP2/FP3 add; the AVX-512 mask-register operations on FP2/FP3),
    // 256-bit datapaths: a 512-bit operation is one macro-op that takes
    // its 256-bit pipe for two cycles, so 512-bit arithmetic has the
    // 256-bit throughput in lanes per cycle and the same latency; the
    // load-store unit executes three 256-bit memory operations per
    // cycle, all three may be loads, at most two stores, FP (vector)
    // stores at most one per cycle; a 512-bit load or store takes two
    // 256-bit slots; 4 integer ALUs; 6 macro-ops dispatched per cycle;
    // FP load-to-use latency 7 (the guide's figures as LLVM's scheduling
    // model for Zen 4 quotes them, llvm/lib/Target/X86/X86ScheduleZnver4.td).
    // The divider, from uops.info's Zen 4 measurements as that model takes
    // them: DIVPD xmm/ymm one per 5 cycles, zmm one per 10, latency 13;
    // DIVPS xmm/ymm one per 3, zmm one per 6, latency 11. FP add/mul
    // latency 3, FMA 4. Everything else as Zen 3.
    name:
        "AMD Zen 4 (family 19h; AMD pub. 57647 and uops.info, as LLVM's znver4 model quotes them)",
    models: &[(0x10, 0x1f), (0x60, 0x7f), (0xa0, 0xaf)],
    div_f64: 5.0,
    div_f32: 3.0,
    div_f64_512: 10.0,
    div_f32_512: 6.0,
    div_lat_f64: 13.0,
    div_lat_f32: 11.0,
    loads_256: 3.0,
    stores_vec: 1.0,
    ..ZEN3
};

/// The CPUs this command knows. A CPU not listed gets the instruction mix
/// and the measured time, and no bound.
pub(crate) const CPU_TABLES: &[CpuTable] = &[ZEN3, ZEN4];

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
    table_for(field("cpu family")?, field("model")?)
}

/// The table for `cpu family` `family`, `model` `model`.
fn table_for(family: u32, model: u32) -> Option<&'static CpuTable> {
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
        if let Some(i) = parse_line(line) {
            f.insns.push(i);
        }
    }
    if let Some((a0, f)) = current.take() {
        functions.insert(a0, f);
    }
    Ok(functions)
}

/// One instruction line of `objdump -d --no-show-raw-insn -w` (AT&T).
fn parse_line(line: &str) -> Option<Insn> {
    let (addr, body) = line.split_once(":\t")?;
    let addr = u64::from_str_radix(addr.trim(), 16).ok()?;
    let body = body.trim();
    let (mnemonic, operands) = body.split_once(char::is_whitespace).unwrap_or((body, ""));
    // Drop objdump's `<symbol+off>` annotation and `# comment`s.
    let (operands, comment) = operands.split_once('#').unwrap_or((operands, ""));
    let operands = operands.split(" <").next().unwrap_or("").trim();
    let slot = comment
        .split_whitespace()
        .next()
        .and_then(|a| u64::from_str_radix(a, 16).ok());
    Some(Insn {
        addr,
        mnemonic: mnemonic.to_string(),
        operands: operands.to_string(),
        slot,
    })
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

/// An operand without its AVX-512 decorations (`{%k1}` write mask, `{z}`
/// zeroing, `{1to8}` broadcast, `{sae}`/rounding), and those decorations.
#[derive(Debug, PartialEq)]
struct Operand<'a> {
    text: &'a str,
    /// The write mask register (`k1`), if any.
    mask: Option<&'a str>,
    /// `{z}`: masked-off lanes are zeroed (else they keep the old value).
    zeroing: bool,
    /// `{1toN}`: one element read from memory and broadcast.
    broadcast: bool,
}

fn operand(op: &str) -> Operand<'_> {
    let op = op.trim();
    let text = op.split('{').next().unwrap_or("").trim();
    let mut o = Operand {
        text,
        mask: None,
        zeroing: false,
        broadcast: false,
    };
    for d in op.split('{').skip(1) {
        let d = d.trim().trim_end_matches('}');
        if let Some(k) = d.strip_prefix('%') {
            o.mask = Some(k);
        } else if d == "z" {
            o.zeroing = true;
        } else if d.starts_with("1to") {
            o.broadcast = true;
        }
    }
    o
}

/// Bits of the widest vector register an instruction names (0 if none).
fn vector_bits(operands: &str) -> u32 {
    if operands.contains("%zmm") {
        512
    } else if operands.contains("%ymm") {
        256
    } else if operands.contains("%xmm") {
        128
    } else {
        0
    }
}

/// Bits an instruction reads from or writes to memory, for counting wide
/// loads and stores: the element for broadcasts and scalar forms, the
/// named half or quarter for inserts/extracts/broadcasts of 256 or 128
/// bits, else the widest vector register (0 for scalar integer accesses).
fn memory_bits(i: &Insn) -> u32 {
    let m = i.mnemonic.as_str();
    let ops = split_operands(&i.operands);
    if ops.iter().any(|o| operand(o).broadcast) {
        return 64;
    }
    if m.starts_with('k') {
        return 0;
    }
    let scalar = ["ss", "sd", "movq", "movd"].iter().any(|s| m.ends_with(s))
        || ["movhpd", "movlpd", "movhps", "movlps"]
            .iter()
            .any(|s| m.trim_start_matches('v') == *s)
        || m.starts_with("vpbroadcast")
        || m.starts_with("vpinsr")
        || m.starts_with("vpextr");
    if scalar {
        return 64;
    }
    if ["f64x4", "i64x4", "f32x8", "i32x8"]
        .iter()
        .any(|s| m.contains(s))
    {
        return 256;
    }
    if ["128", "f64x2", "i64x2", "f32x4", "i32x4"]
        .iter()
        .any(|s| m.contains(s))
    {
        return 128;
    }
    vector_bits(&i.operands)
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
    let vector_regs = vector_bits(&i.operands) > 0;
    // AVX-512 mask-register operations (kmov, kor, kortest, kunpck, ...)
    // run on the FP pipes (Zen 4: FP2/FP3).
    if m.starts_with('k') && i.operands.contains("%k") {
        return Kind::VecOther;
    }
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
        // Loads, stores and register copies (move elimination) take no FP
        // pipe; a masked register copy is a blend.
        let is_move = base.starts_with("mov") || base.starts_with("broadcast");
        let masked = i.operands.contains("{%k");
        if is_move
            && (i.operands.contains('(')
                || (!masked && (base.starts_with("mova") || base.starts_with("movu"))))
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
    let pure_write = m.starts_with("mov")
        || m.starts_with("vmov")
        || m.starts_with("set")
        || m.starts_with("vextract");
    let read = mem_src
        || single_mem
        || (mem_dst && !pure_write && !m.starts_with("vmaskmov") && !m.starts_with("kmov"));
    let write = (mem_dst && !m.starts_with("cmp") && !m.starts_with("test"))
        || m.starts_with("push")
        || m.starts_with("call");
    (read, write)
}

/// A register's architectural name (zmm/ymm/xmm N as one; rax/eax/ax/al as
/// one; mask registers k0-k7 as themselves).
fn reg_name(r: &str) -> String {
    let r = r.trim_start_matches('%');
    let r = r.split('{').next().unwrap_or(r);
    if let Some(n) = r
        .strip_prefix("zmm")
        .or_else(|| r.strip_prefix("ymm"))
        .or_else(|| r.strip_prefix("xmm"))
    {
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
        let o = operand(o).text;
        let mem = o.contains('(');
        reads.extend(regs_in(o).into_iter().map(|r| (r, mem)));
        if mem {
            reads.push((format!("mem {o}"), true));
        }
    };
    // The write mask is read; merge masking (no `{z}`) also reads the
    // destination (its masked-off lanes are kept).
    let dst_op = operand(last);
    let last = dst_op.text;
    let merge = dst_op.mask.is_some() && !dst_op.zeroing;
    if let Some(k) = dst_op.mask {
        reads.push((k.to_string(), false));
    }
    for o in &ops[..ops.len() - 1] {
        read_operand(o, &mut reads);
    }
    // Compares and tests write only the flags: a branch on them is
    // predicted (no dependency), a `set`/`cmov`/`adc`/`sbb` reads them
    // (an integer chain such as the input walk's `cmp`, `sete`, `add`).
    // (The flags other integer operations write are not followed.)
    let flags_only = [
        "cmp", "test", "ucomis", "comis", "vucomis", "vcomis", "kortest", "ktest",
    ]
    .iter()
    .any(|p| m.starts_with(p))
        || m == "bt"
        || m == "vptest";
    if flags_only {
        reads.extend(regs_in(last).into_iter().map(|r| (r, last.contains('('))));
        if last.contains('(') {
            reads.push((format!("mem {last}"), true));
        }
        return (reads, Some("flags".into()));
    }
    if ["set", "cmov", "adc", "sbb"]
        .iter()
        .any(|p| m.starts_with(p))
    {
        reads.push(("flags".into(), false));
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
    // FMA and these AVX-512 forms read their destination as a source.
    let fma = kind(i) == Kind::Fma
        || m.starts_with("vpternlog")
        || m.starts_with("vpermt2")
        || m.starts_with("vpermi2")
        || m.starts_with("vfixupimm");
    let pure = m.starts_with("mov")
        || m.starts_with("vmov")
        || m.starts_with("lea")
        || m.starts_with("set")
        || m.starts_with("vbroadcast")
        || m.starts_with("cvt")
        || m.starts_with("vcvt");
    // xor r,r (and vxorps v,v,v) is a zeroing idiom: no dependency.
    let zeroing = (m.contains("xor") || m.starts_with("vpxor"))
        && ops.iter().all(|o| reg_name(operand(o).text) == dst);
    if zeroing {
        return (Vec::new(), Some(dst));
    }
    if fma || merge || !(vex3 || pure) {
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

/// The instruction mix of one pass of a loop. Each `*_512` field counts
/// the 512-bit (zmm) instructions among those of its class.
#[derive(Debug, Default, PartialEq)]
struct Mix {
    insns: usize,
    div_f64: usize,
    div_f32: usize,
    div_f64_512: usize,
    div_f32_512: usize,
    sqrt: usize,
    add: usize,
    mul: usize,
    fma: usize,
    vec_other: usize,
    /// 512-bit add/sub, mul+FMA, and other FP-pipe operations.
    add_512: usize,
    mul_512: usize,
    other_512: usize,
    loads: usize,
    loads_256: usize,
    loads_512: usize,
    stores: usize,
    stores_256: usize,
    stores_512: usize,
    /// Stores of a vector register (any width).
    stores_vec: usize,
    int: usize,
    /// Widest vector register used, bits.
    width: u32,
}

fn mix(body: &[Insn]) -> Mix {
    let mut m = Mix::default();
    let mut prev_flags = false;
    for i in body {
        let k = kind(i);
        let bits = vector_bits(&i.operands);
        let z = usize::from(bits == 512);
        let mem_bits = memory_bits(i);
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
        m.width = m.width.max(bits);
        // The class's count and its 512-bit count (sqrt has no 512-bit one).
        let mut no_512 = 0;
        let counts = match k {
            Kind::Div { f32: false } => Some((&mut m.div_f64, &mut m.div_f64_512)),
            Kind::Div { f32: true } => Some((&mut m.div_f32, &mut m.div_f32_512)),
            Kind::Sqrt => Some((&mut m.sqrt, &mut no_512)),
            Kind::Add => Some((&mut m.add, &mut m.add_512)),
            Kind::Mul => Some((&mut m.mul, &mut m.mul_512)),
            Kind::Fma => Some((&mut m.fma, &mut m.mul_512)),
            Kind::VecOther => Some((&mut m.vec_other, &mut m.other_512)),
            Kind::VecMove | Kind::Int => None,
        };
        if let Some((n, n_512)) = counts {
            *n += 1;
            *n_512 += z;
        }
        if k == Kind::Int && !(r && !w && i.mnemonic.starts_with("mov")) {
            m.int += 1;
        }
        if r {
            m.loads += 1;
            m.loads_256 += usize::from(mem_bits == 256);
            m.loads_512 += usize::from(mem_bits == 512);
        }
        if w {
            m.stores += 1;
            m.stores_256 += usize::from(mem_bits == 256);
            m.stores_512 += usize::from(mem_bits == 512);
            m.stores_vec += usize::from(mem_bits > 0);
        }
    }
    m
}

/// Cycles of one pass by each resource; the largest is the throughput
/// bound. A 512-bit operation takes `cost_512` cycles of its pipe (and a
/// 512-bit load or store `cost_512` 256-bit slots).
fn throughput(t: &CpuTable, m: &Mix) -> Vec<(&'static str, f64)> {
    let extra = t.cost_512 - 1.0;
    let add = m.add as f64 + m.add_512 as f64 * extra;
    let mul = (m.mul + m.fma) as f64 + m.mul_512 as f64 * extra;
    let div =
        (m.div_f64 + m.div_f32 + m.sqrt) as f64 + (m.div_f64_512 + m.div_f32_512) as f64 * extra;
    let fp = add + mul + div + m.vec_other as f64 + m.other_512 as f64 * extra;
    let divider = (m.div_f64 - m.div_f64_512) as f64 * t.div_f64
        + m.div_f64_512 as f64 * t.div_f64_512
        + (m.div_f32 - m.div_f32_512) as f64 * t.div_f32
        + m.div_f32_512 as f64 * t.div_f32_512;
    let wide_loads = m.loads_256 as f64 + m.loads_512 as f64 * t.cost_512;
    let wide_stores = m.stores_256 as f64 + m.stores_512 as f64 * t.cost_512;
    let vec_stores = m.stores_vec as f64 + m.stores_512 as f64 * extra;
    vec![
        ("divider", divider),
        ("FP add pipes", add / t.add_pipes),
        ("FP mul/FMA pipes", mul / t.mul_pipes),
        ("all FP pipes", fp / t.vec_pipes),
        (
            "loads",
            ((m.loads as f64 + m.loads_512 as f64 * extra) / t.loads).max(wide_loads / t.loads_256),
        ),
        (
            "stores",
            ((m.stores as f64 + m.stores_512 as f64 * extra) / t.stores)
                .max(wide_stores / t.stores_256)
                .max(vec_stores / t.stores_vec),
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

/// The loop-carried chain behind [`latency_per_pass`]: the same
/// simulation, each result remembering the input it waited for last; from
/// the latest result of the last pass back along those inputs to the
/// first instruction met a second time (one turn of the recurrence that
/// sets the pace), in program order, each instruction with the cycles
/// it adds (its latency, plus the load latency when its input came through
/// memory, a spill slot being followed as in [`latency_per_pass`]). Their
/// sum is the turn's length: the latency per pass when the turn spans one
/// pass. Empty if no turn is found within a few passes.
fn critical_chain(t: &CpuTable, body: &[Insn]) -> Vec<(Insn, f64)> {
    const PASSES: usize = 40;
    // Per executed instruction: which, when ready, the cycles it added,
    // and the node its latest input came from.
    struct Node {
        insn: usize,
        ready: f64,
        adds: f64,
        from: Option<usize>,
    }
    let mut nodes: Vec<Node> = Vec::new();
    let mut ready: HashMap<String, (f64, Option<usize>)> = HashMap::new();
    for _ in 0..PASSES {
        for (n, i) in body.iter().enumerate() {
            let (reads, write) = dataflow(i);
            let (mut start, mut from, mut load) = (0.0, None, 0.0);
            for (r, l) in &reads {
                let (at, node) = ready.get(r).copied().unwrap_or((0.0, None));
                let extra = if *l { t.load_lat } else { 0.0 };
                if at + extra > start {
                    (start, from, load) = (at + extra, node, extra);
                }
            }
            if let Some(w) = write {
                let lat = latency(t, i);
                nodes.push(Node {
                    insn: n,
                    ready: start + lat,
                    adds: lat + load,
                    from,
                });
                ready.insert(w, (start + lat, Some(nodes.len() - 1)));
            }
        }
    }
    let Some(last) = (0..nodes.len()).max_by(|&a, &b| nodes[a].ready.total_cmp(&nodes[b].ready))
    else {
        return Vec::new();
    };
    // Back from the latest result until an instruction repeats: the walk
    // may start on a tail leaving the recurrence; the turn is between the
    // two instances of the first instruction met twice.
    let mut walk: Vec<usize> = Vec::new();
    let mut at = Some(last);
    while let Some(k) = at {
        if let Some(p) = walk.iter().position(|&w| nodes[w].insn == nodes[k].insn) {
            let mut turn: Vec<(Insn, f64)> = walk[p..]
                .iter()
                .filter(|&&w| nodes[w].adds > 0.0)
                .map(|&w| (body[nodes[w].insn].clone(), nodes[w].adds))
                .collect();
            turn.reverse();
            return turn;
        }
        walk.push(k);
        at = nodes[k].from;
    }
    Vec::new()
}

/// The hot loop reached from the function named `symbol`: its instructions.
/// `scalar`: a one-neuron case, whose step loop is scalar FP code
/// ([`densest_scalar_loop`]); else the densest packed loop ([`densest_loop`]).
/// Functions fewer calls away from `symbol` come first: the step loop is
/// reached before the loops of the functions it calls (the population's
/// `run_holding`, whose spike-cut loop integrates as the step loop does
/// and can be as dense), the densest loop wins among functions at the
/// same call depth.
fn hot_loop(
    functions: &BTreeMap<u64, Function>,
    got: &HashMap<u64, u64>,
    symbol: &str,
    scalar: bool,
) -> Result<(String, Vec<Insn>), String> {
    // Legacy Rust mangling: each path segment is prefixed by its length.
    let key = format!("{}{}", symbol.len(), symbol);
    let (&root, _) = functions
        .iter()
        .find(|(_, f)| f.name.contains(&key))
        .ok_or_else(|| format!("no function {symbol} in this binary"))?;
    let mut seen = vec![root];
    // `seen[..ends[d]]`: the functions at most `d` calls from the root.
    let mut ends = vec![1];
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
        ends.push(seen.len());
    }
    let mut best: Option<(f64, String, Vec<Insn>)> = None;
    let mut from = 0;
    for &end in &ends {
        for a in &seen[from..end] {
            let found = if scalar {
                densest_scalar_loop(*a, &functions[a])
            } else {
                densest_loop(*a, &functions[a])
            };
            if let Some(l) = found {
                if best.as_ref().is_none_or(|(b, _, _)| l.0 > *b) {
                    best = Some(l);
                }
            }
        }
        if best.is_some() {
            break;
        }
        from = end;
    }
    best.map(|(_, n, b)| (n, b)).ok_or_else(|| {
        let what = if scalar { "scalar" } else { "packed" };
        format!("no loop with {what} FP arithmetic reached from {symbol}")
    })
}

/// The loop of `f` (which starts at `start`) densest in packed FP
/// arithmetic (add/sub, mul, FMA, division; any vector width), with at
/// least 4 such instructions: its density, name and instructions. The
/// densest is the engine's step loop, not an outer loop around it (whose
/// code is mostly the rare spike path) nor a scalar loop.
fn densest_loop(start: u64, f: &Function) -> Option<(f64, String, Vec<Insn>)> {
    densest_loop_of(start, f, &["pd", "ps"])
}

/// [`densest_loop`] for a one-neuron case: the loop of `f` densest in
/// scalar FP arithmetic (`sd`/`ss` forms), at least 4 such instructions:
/// the single neuron's step loop (its FP work is scalar; the loops of the
/// input walk around it have little or none).
fn densest_scalar_loop(start: u64, f: &Function) -> Option<(f64, String, Vec<Insn>)> {
    densest_loop_of(start, f, &["sd", "ss"])
}

/// The loop of `f` densest in FP arithmetic whose mnemonics end in one of
/// `suffixes`, with at least 4 such instructions.
fn densest_loop_of(
    start: u64,
    f: &Function,
    suffixes: &[&str],
) -> Option<(f64, String, Vec<Insn>)> {
    let packed = |i: &Insn| {
        let m = i.mnemonic.as_str();
        matches!(
            kind(i),
            Kind::Add | Kind::Mul | Kind::Fma | Kind::Div { .. }
        ) && suffixes.iter().any(|s| m.ends_with(s))
    };
    let mut best: Option<(f64, String, Vec<Insn>)> = None;
    let loops = f
        .insns
        .iter()
        .filter(|i| i.mnemonic.starts_with('j'))
        .filter_map(|i| {
            target(i)
                .filter(|&t| t >= start && t < i.addr)
                .map(|t| (t, i.addr))
        });
    for (lo, hi) in loops {
        let body: Vec<Insn> = f
            .insns
            .iter()
            .filter(|i| i.addr >= lo && i.addr <= hi)
            .cloned()
            .collect();
        let n = body.iter().filter(|i| packed(i)).count();
        let density = n as f64 / body.len() as f64;
        if n >= 4 && best.as_ref().is_none_or(|(b, _, _)| density > *b) {
            let name = format!("{} [{lo:#x}..={hi:#x}]", f.name);
            best = Some((density, name, body));
        }
    }
    best
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
        // One lane: a single neuron's scalar step loop.
        let scalar = case.lanes == 1;
        let (loop_name, body) = hot_loop(&functions, &got, case.symbol, scalar)?;
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
            "  mix per pass: div f64 {} / f32 {} ({} 512-bit), sqrt {}, add/sub {}, mul {}, fma {}, other vector {} ({} of these 512-bit), loads {} ({} 256-bit, {} 512-bit), stores {} ({} 256-bit, {} 512-bit), scalar integer {}",
            m.div_f64, m.div_f32, m.div_f64_512 + m.div_f32_512, m.sqrt, m.add, m.mul, m.fma, m.vec_other,
            m.add_512 + m.mul_512 + m.other_512, m.loads, m.loads_256, m.loads_512, m.stores, m.stores_256, m.stores_512, m.int
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
            if scalar {
                // One neuron: the chain is the bound; show it.
                let chain = critical_chain(t, &body);
                let total: f64 = chain.iter().map(|(_, c)| c).sum();
                println!(
                    "  the loop-carried chain, {total:.0} cycles a turn (cycles each; a load's {} included where an input comes through memory):",
                    t.load_lat
                );
                for (i, c) in &chain {
                    println!(
                        "    {:x}: {:<12} {:<40} {c:.0}",
                        i.addr, i.mnemonic, i.operands
                    );
                }
            }
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

#[cfg(test)]
mod tests {
    //! The parser and the model on disassembly recorded from the engine
    //! (`objdump -d --no-show-raw-insn -w`, symbol annotations dropped;
    //! `tests/data/roofline/*.objdump.txt`):
    //! the GLIF3 f64 step loop of 16 lanes built for Zen 3 (AVX2,
    //! `-C target-cpu=znver3`: four ymm per quantity, spills) and for this
    //! Zen 4 (AVX-512: two zmm per quantity, no spills), the whole Zen 4
    //! `Population::run` around it, the Zen 4 GLIF5 f64 step loop, the
    //! whole Zen 4 `walk` of the one-neuron `glif_psc` case, and a later
    //! Zen 4 GLIF3 f64 `Population::run` with the spike-cut loop of the
    //! `run_holding` it calls. The
    //! expected counts were read off the snippets (grep), not from this code.
    use super::*;

    const ZEN3_GLIF3: &str = include_str!("../tests/data/roofline/zen3-glif3-f64.objdump.txt");
    const ZEN4_GLIF3_RUN: &str =
        include_str!("../tests/data/roofline/zen4-glif3-f64-run.objdump.txt");
    const ZEN4_ONE_NEURON: &str =
        include_str!("../tests/data/roofline/zen4-glif-psc-one-neuron-walk.objdump.txt");
    const ZEN4_GLIF5: &str = include_str!("../tests/data/roofline/zen4-glif5-f64.objdump.txt");
    const ZEN4_GLIF3_RUN_CALLS_HOLDING: &str =
        include_str!("../tests/data/roofline/zen4-glif3-f64-run-calls-holding.objdump.txt");
    const ZEN4_GLIF3_HOLDING_LOOP: &str =
        include_str!("../tests/data/roofline/zen4-glif3-f64-run-holding-loop.objdump.txt");

    fn insns(text: &str) -> Vec<Insn> {
        text.lines().filter_map(parse_line).collect()
    }

    /// The Zen 4 GLIF3 step loop: 0x16d5f0 to its backward jump at 0x16d70d.
    fn zen4_glif3() -> Vec<Insn> {
        insns(ZEN4_GLIF3_RUN)
            .into_iter()
            .filter(|i| (0x16d5f0..=0x16d70d).contains(&i.addr))
            .collect()
    }

    fn one(line: &str) -> Insn {
        parse_line(line).expect("an instruction line")
    }

    fn zen3() -> &'static CpuTable {
        table_for(25, 0x01).expect("Zen 3 table")
    }

    fn zen4() -> &'static CpuTable {
        table_for(25, 0x11).expect("Zen 4 table")
    }

    fn bound(t: &CpuTable, m: &Mix) -> (&'static str, f64) {
        throughput(t, m)
            .into_iter()
            .fold(("", 0.0), |a, b| if b.1 > a.1 { b } else { a })
    }

    #[test]
    fn tables_by_family_and_model() {
        assert!(zen3().name.contains("Zen 3"));
        assert!(zen4().name.contains("Zen 4"));
        // Milan 01h, Vermeer 21h; Genoa 11h, Raphael 61h, Phoenix 74h, Bergamo A0h.
        assert!(table_for(25, 0x21).unwrap().name.contains("Zen 3"));
        for m in [0x61, 0x74, 0xa0] {
            assert!(table_for(25, m).unwrap().name.contains("Zen 4"), "{m:#x}");
        }
        assert!(table_for(23, 0x31).is_none(), "Zen 2 has no table");
        assert!(table_for(26, 0x02).is_none(), "Zen 5 has no table");
    }

    #[test]
    fn evex_operand_decorations() {
        let o = operand("%zmm3{%k1}{z}");
        assert_eq!(
            (o.text, o.mask, o.zeroing, o.broadcast),
            ("%zmm3", Some("k1"), true, false)
        );
        let o = operand("-0x16ee25(%rip){1to8}");
        assert_eq!(
            (o.text, o.mask, o.broadcast),
            ("-0x16ee25(%rip)", None, true)
        );
        assert_eq!(reg_name("%zmm17"), reg_name("%xmm17"));
        assert_eq!(reg_name("%zmm3{%k1}"), "v3");
        assert_eq!(reg_name("%k1"), "k1");
    }

    #[test]
    fn evex_forms_kind_memory_and_dataflow() {
        // A broadcast is one element loaded, not a 512-bit load.
        let i = one("  180657:\tvaddpd -0x16ee25(%rip){1to8},%zmm0,%zmm1        # 1183c <x>");
        assert_eq!(kind(&i), Kind::Add);
        assert_eq!((memory(&i), memory_bits(&i)), ((true, false), 64));
        // A masked 512-bit store.
        let i = one("  1:\tvmovupd %zmm1,0x40(%rax){%k1}");
        assert_eq!((memory(&i), memory_bits(&i)), ((false, true), 512));
        assert_eq!(kind(&i), Kind::VecMove);
        // vinsertf64x4 from memory loads 256 bits.
        let i = one("  d9c7a:\tvinsertf64x4 $0x1,0x20(%rsp),%zmm1,%zmm1");
        assert_eq!((memory(&i), memory_bits(&i)), ((true, false), 256));
        // Merge masking reads the destination and the mask.
        let i = one("  1866fc:\tvblendmpd %zmm2,%zmm16,%zmm1{%k1}");
        assert_eq!(kind(&i), Kind::VecOther);
        let (reads, w) = dataflow(&i);
        let reads: Vec<&str> = reads.iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(w.as_deref(), Some("v1"));
        for r in ["k1", "v2", "v16", "v1"] {
            assert!(reads.contains(&r), "{r} in {reads:?}");
        }
        // Zeroing masking does not read the destination; a masked register
        // move is a blend (an FP pipe), an unmasked one is eliminated.
        let i = one("  c3830:\tvmovapd %zmm17,%zmm16{%k5}{z}");
        assert_eq!(kind(&i), Kind::VecOther);
        let (reads, _) = dataflow(&i);
        assert!(!reads.iter().any(|(r, _)| r == "v16"), "{reads:?}");
        assert!(reads.iter().any(|(r, _)| r == "k5"), "{reads:?}");
        assert_eq!(kind(&one("  1:\tvmovapd %zmm9,%zmm4")), Kind::VecMove);
        // vpternlog reads its destination.
        let i = one("  9a47f:\tvpternlogq $0xf6,%zmm2,%zmm1,%zmm0");
        assert!(dataflow(&i).0.iter().any(|(r, _)| r == "v0"));
        // A compare into a mask register, and mask-register operations.
        let i = one("  16d697:\tvcmpnlepd %zmm12,%zmm9,%k0");
        assert_eq!(kind(&i), Kind::VecOther);
        assert_eq!(dataflow(&i).1.as_deref(), Some("k0"));
        for l in [
            "  16d6c1:\tkunpckbw %k0,%k1,%k0",
            "  16d6c5:\tkortestw %k0,%k0",
            "  9909f:\tkmovw  %k2,%eax",
        ] {
            assert_eq!(kind(&one(l)), Kind::VecOther, "{l}");
        }
        let i = one("  9909f:\tkmovw  %k2,0xa(%rsp)");
        assert_eq!((memory(&i), memory_bits(&i)), ((false, true), 0));
    }

    #[test]
    fn zen3_avx2_glif3_step_loop() {
        let body = insns(ZEN3_GLIF3);
        assert_eq!(body.len(), 107);
        let m = mix(&body);
        assert_eq!(m.width, 256);
        assert_eq!((m.div_f64, m.div_f64_512), (4, 0));
        assert_eq!((m.loads, m.loads_256, m.loads_512), (42, 41, 0));
        assert_eq!((m.stores, m.stores_256, m.stores_512), (21, 21, 0));
        // Zen 3: four 256-bit divisions at 4.5 cycles = 18; 21 256-bit
        // stores at one per cycle = 21 (the spills bind).
        let t = zen3();
        let tp = throughput(t, &m);
        let get = |n: &str| tp.iter().find(|r| r.0 == n).unwrap().1;
        assert_eq!(get("divider"), 18.0);
        assert_eq!(get("stores"), 21.0);
        assert_eq!(bound(t, &m), ("stores", 21.0));
    }

    #[test]
    fn zen4_avx512_glif3_step_loop() {
        let body = zen4_glif3();
        assert_eq!(body.len(), 48);
        let m = mix(&body);
        assert_eq!(m.width, 512);
        assert_eq!((m.div_f64, m.div_f64_512), (2, 2));
        assert_eq!((m.add, m.mul, m.add_512, m.mul_512), (12, 8, 12, 8));
        assert_eq!((m.loads, m.loads_256, m.loads_512), (18, 0, 16));
        assert_eq!(m.stores, 0);
        let t = zen4();
        // Two zmm divisions at 10 cycles each; 12 zmm add/sub at 2 pipe
        // cycles on 2 pipes = 12; 18 loads, 16 of them two 256-bit slots,
        // on 3 = 34 / 3.
        let tp = throughput(t, &m);
        let get = |n: &str| tp.iter().find(|r| r.0 == n).unwrap().1;
        assert_eq!(get("divider"), 20.0);
        assert_eq!(get("FP add pipes"), 12.0);
        assert!((get("loads") - 34.0 / 3.0).abs() < 1e-12);
        assert_eq!(bound(t, &m), ("divider", 20.0));
        // The voltage chain: sub 3, mul 3, sub 3, mul 3, div 13, add 3.
        assert!((latency_per_pass(t, &body) - 28.0).abs() < 1e-9);
    }

    #[test]
    fn zen4_avx512_glif5_step_loop() {
        let body = insns(ZEN4_GLIF5);
        let m = mix(&body);
        assert_eq!(m.width, 512);
        assert_eq!((m.div_f64, m.div_f64_512), (4, 4));
        assert_eq!(m.stores, 0);
        assert_eq!(bound(zen4(), &m), ("divider", 40.0));
    }

    #[test]
    fn picks_the_zen4_step_loop_not_an_outer_or_scalar_loop() {
        let f = Function {
            name: "run".into(),
            insns: insns(ZEN4_GLIF3_RUN),
        };
        let (_, name, body) = densest_loop(0x16d370, &f).expect("a loop");
        assert!(name.ends_with("[0x16d5f0..=0x16d70d]"), "{name}");
        assert_eq!(body.len(), zen4_glif3().len());
    }

    /// A later Zen 4 build, where `run_holding` lets every lane integrate:
    /// its GLIF3 f64 spike-cut loop (recorded alone, 46 instructions, 22
    /// of them packed FP) is denser than the step loop of the
    /// `Population::run` that calls it through the GOT (47, 22), and the
    /// step loop is still the one taken, as the shallower.
    #[test]
    fn prefers_the_step_loop_to_the_denser_loop_of_a_function_it_calls() {
        let run = Function {
            name:
                "_ZN9glif_core10population31Population$LT$F$C$_$C$_$C$R$GT$3run17h9c0271e4b6a3a9b9E"
                    .into(),
            insns: insns(ZEN4_GLIF3_RUN_CALLS_HOLDING),
        };
        let holding = Function {
            name: "_ZN9glif_core10population11run_holding17h088c5fbbfcde82e1E".into(),
            insns: insns(ZEN4_GLIF3_HOLDING_LOOP),
        };
        let (step, _, step_body) = densest_loop(0x19f7c0, &run).expect("the step loop");
        let (cut, _, cut_body) = densest_loop(0x1935a0, &holding).expect("the cut loop");
        assert_eq!((step_body.len(), cut_body.len()), (47, 46));
        assert!(cut > step, "{cut} > {step}");
        // `run`'s instructions before its step loop, for the check below.
        let head: Vec<Insn> = run
            .insns
            .iter()
            .filter(|i| i.addr < 0x19fa30)
            .cloned()
            .collect();
        let name = run.name.clone();
        let mut functions = BTreeMap::from([(0x19f7c0, run), (0x1935a0, holding)]);
        // `call *0x15d6f5(%rip)` at 0x19f975 reads the slot 0x2fd070.
        let got = HashMap::from([(0x2fd070, 0x1935a0)]);
        let (found, body) = hot_loop(&functions, &got, "run", false).expect("a hot loop");
        assert!(found.ends_with("[0x19fa30..=0x19fb3c]"), "{found}");
        assert_eq!(body.len(), 47);
        // The call is followed: without the step loop, the cut loop is found.
        functions.insert(0x19f7c0, Function { name, insns: head });
        let (found, _) = hot_loop(&functions, &got, "run", false).expect("the cut loop");
        assert!(found.ends_with("[0x194a9c..=0x194b95]"), "{found}");
    }

    #[test]
    fn compares_write_only_the_flags() {
        for line in [
            "1bbbaf:\tvucomisd %xmm9,%xmm8",
            "1bbc61:\tcmp    %r14d,%r13d",
            "1bbc02:\ttest   %dil,%r8b",
            "16d6f6:\tkortestb %k2,%k2",
        ] {
            let (reads, write) = dataflow(&one(line));
            assert_eq!(write.as_deref(), Some("flags"), "{line}");
            assert_eq!(reads.len(), 2, "{line}: {reads:?}");
        }
        let (reads, write) = dataflow(&one("  1bba3d:\tcmp    %r10d,(%rdx,%rsi,4)"));
        assert_eq!(write.as_deref(), Some("flags"));
        assert!(reads.contains(&("mem (%rdx,%rsi,4)".to_string(), true)));
        // `sete` reads them (and writes its register without reading it).
        let (reads, write) = dataflow(&one("  1bba41:\tsete   %r11b"));
        assert_eq!(
            (reads, write.as_deref()),
            (vec![("flags".to_string(), false)], Some("r11"))
        );
    }

    /// The one-neuron case: the scalar mode finds the step loop (not the
    /// loops of the input walk or the spike buffer), and its loop-carried
    /// chain is GLIF5's threshold voltage component: `xmm3` through two
    /// subtractions, a multiplication and two additions (5 x 3 cycles),
    /// read off the snippet; `U` (`xmm2` -> `xmm8` -> `xmm2`: a
    /// multiplication and three additions, 12 cycles) is shorter.
    #[test]
    fn zen4_one_neuron_scalar_step_loop_and_its_chain() {
        let f = Function {
            name: "walk".into(),
            insns: insns(ZEN4_ONE_NEURON),
        };
        let (_, name, body) = densest_scalar_loop(0x1bb220, &f).expect("a loop");
        assert!(name.ends_with("[0x1bba20..=0x1bbc61]"), "{name}");
        assert_eq!(body.len(), 116);
        let m = mix(&body);
        assert_eq!((m.div_f64, m.width), (1, 128));
        let t = zen4();
        assert_eq!(latency_per_pass(t, &body), 15.0);
        let chain = critical_chain(t, &body);
        let got: Vec<(u64, &str, f64)> = chain
            .iter()
            .map(|(i, c)| (i.addr, i.mnemonic.as_str(), *c))
            .collect();
        assert_eq!(
            got,
            [
                (0x1bbb2c, "vsubsd", 3.0),
                (0x1bbb31, "vsubsd", 3.0),
                (0x1bbb36, "vmulsd", 3.0),
                (0x1bbb3f, "vaddsd", 3.0),
                (0x1bbb43, "vaddsd", 3.0),
            ]
        );
        // The packed finder does not take a scalar loop for the step loop.
        let packed = densest_loop(0x1bb220, &f).map(|(_, n, _)| n);
        assert!(packed.is_none_or(|n| !n.ends_with("[0x1bba20..=0x1bbc61]")));
    }
}
