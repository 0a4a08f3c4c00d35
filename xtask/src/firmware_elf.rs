//! A tiny reader for 32-bit little-endian ELF files (what the Cortex-M
//! linker writes): section sizes and symbol addresses, nothing more.

use std::collections::BTreeMap;

/// Sections by name (name -> (flags, address, size)) and global/local
/// symbol addresses by name.
#[derive(Debug, Default)]
pub struct Elf {
    /// `name -> (sh_flags, sh_addr, sh_size)`.
    pub sections: BTreeMap<String, (u32, u32, u32)>,
    /// `name -> st_value` (bit 0 is the Thumb bit for functions).
    pub symbols: BTreeMap<String, u32>,
}

fn u16_at(b: &[u8], o: usize) -> Result<u16, String> {
    b.get(o..o + 2)
        .map(|s| u16::from_le_bytes([s[0], s[1]]))
        .ok_or_else(|| format!("ELF truncated at {o}"))
}

fn u32_at(b: &[u8], o: usize) -> Result<u32, String> {
    b.get(o..o + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
        .ok_or_else(|| format!("ELF truncated at {o}"))
}

fn cstr(b: &[u8], o: usize) -> String {
    let s = b.get(o..).unwrap_or(&[]);
    let end = s.iter().position(|&c| c == 0).unwrap_or(s.len());
    String::from_utf8_lossy(&s[..end]).into_owned()
}

const SHT_SYMTAB: u32 = 2;

impl Elf {
    /// Parses the section headers and the symbol table.
    pub fn parse(b: &[u8]) -> Result<Elf, String> {
        if b.len() < 52 || &b[..4] != b"\x7fELF" || b[4] != 1 || b[5] != 1 {
            return Err("not a 32-bit little-endian ELF file".into());
        }
        let shoff = u32_at(b, 0x20)? as usize;
        let shentsize = u16_at(b, 0x2e)? as usize;
        let shnum = u16_at(b, 0x30)? as usize;
        let shstrndx = u16_at(b, 0x32)? as usize;
        let sh = |i: usize, field: usize| u32_at(b, shoff + i * shentsize + field);
        let shstr_off = sh(shstrndx, 0x10)? as usize;
        let mut elf = Elf::default();
        for i in 0..shnum {
            let name = cstr(b, shstr_off + sh(i, 0)? as usize);
            let (ty, flags, addr) = (sh(i, 4)?, sh(i, 8)?, sh(i, 0x0c)?);
            let (off, size, link) = (sh(i, 0x10)? as usize, sh(i, 0x14)?, sh(i, 0x18)? as usize);
            if ty == SHT_SYMTAB {
                let str_off = sh(link, 0x10)? as usize;
                for k in 0..size as usize / 16 {
                    let e = off + k * 16;
                    let sym = cstr(b, str_off + u32_at(b, e)? as usize);
                    if !sym.is_empty() {
                        elf.symbols.insert(sym, u32_at(b, e + 4)?);
                    }
                }
            }
            if !name.is_empty() {
                elf.sections.insert(name, (flags, addr, size));
            }
        }
        Ok(elf)
    }

    /// Size of a section, 0 if absent.
    pub fn size(&self, name: &str) -> u32 {
        self.sections.get(name).map_or(0, |s| s.2)
    }

    /// Flash: vector table, code, read-only data and the initial image of
    /// `.data`.
    pub fn flash(&self) -> u32 {
        self.size(".vector_table") + self.size(".text") + self.size(".rodata") + self.size(".data")
    }

    /// `.text + .rodata` (the `llvm-size` view of code and constants).
    pub fn text_rodata(&self) -> u32 {
        self.size(".text") + self.size(".rodata")
    }

    /// Static RAM: `.data + .bss + .uninit` (the stack comes on top).
    pub fn static_ram(&self) -> u32 {
        self.size(".data") + self.size(".bss") + self.size(".uninit")
    }

    /// Address of a function's first instruction (Thumb bit cleared).
    pub fn function(&self, name: &str) -> Option<u32> {
        self.symbols.get(name).map(|a| a & !1)
    }
}
