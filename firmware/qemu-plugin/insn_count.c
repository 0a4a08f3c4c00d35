/*
 * insn_count.c: a QEMU TCG plugin that counts guest instructions executed
 * between two marker addresses.
 *
 * Every executed instruction adds 1 to a counter (an inline op, exact per
 * instruction). When the instruction at `start=` executes, the counter is
 * snapshotted; when the instruction at `end=` executes, the difference is
 * appended to `out=` as a line "region <n>". The firmware calls its marker
 * functions `glif_mark_start` / `glif_mark_end` around the measured loops; the
 * xtask reads their addresses from the ELF symbol table.
 *
 * Usage:
 *   qemu-system-arm ... -plugin ./insn_count.so,start=0x1234,end=0x1240,out=regions.txt
 *
 * Debian ships QEMU with plugin support but (in bookworm) without the plugin
 * header, so the handful of plugin-API declarations used here are written out
 * below. They follow QEMU's plugin C API, version 1 (QEMU 4.2 .. 8.1); a QEMU
 * whose minimum plugin API version is above 1 refuses to load the plugin
 * with a clear message rather than miscounting.
 *
 * Instructions are not cycles: this counts retired guest instructions as
 * QEMU's translator sees them, with no pipeline, flash wait-state or FPU
 * latency model.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- declarations of the QEMU plugin API (version 1) used below ---- */
typedef uint64_t qemu_plugin_id_t;
typedef struct {
    const char *target_name;
    struct {
        int min;
        int cur;
    } version;
    bool system_emulation;
    union {
        struct {
            int smp_vcpus;
            int max_vcpus;
        } system;
    };
} qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum { PLUGIN_CB_NO_REGS = 0 };
enum { PLUGIN_INLINE_ADD_U64 = 0 };
typedef void (*tb_trans_cb_t)(qemu_plugin_id_t, struct qemu_plugin_tb *);
typedef void (*vcpu_udata_cb_t)(unsigned int, void *);
typedef void (*udata_cb_t)(qemu_plugin_id_t, void *);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t, tb_trans_cb_t);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *, vcpu_udata_cb_t, int, void *);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *, int, void *, uint64_t);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *, size_t);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t, udata_cb_t, void *);
/* ---- end of declarations ---- */

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

static uint64_t executed;      /* instructions executed so far (one vCPU) */
static uint64_t at_start;      /* `executed` when the start marker ran   */
static uint64_t start_addr = UINT64_MAX, end_addr = UINT64_MAX;
static FILE *out;

static void on_start(unsigned int vcpu, void *udata)
{
    (void)vcpu;
    (void)udata;
    at_start = executed;
}

static void on_end(unsigned int vcpu, void *udata)
{
    (void)vcpu;
    (void)udata;
    fprintf(out, "region %" PRIu64 "\n", executed - at_start);
    fflush(out);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t pc = qemu_plugin_insn_vaddr(insn);
        qemu_plugin_register_vcpu_insn_exec_inline(insn, PLUGIN_INLINE_ADD_U64, &executed, 1);
        if (pc == start_addr) {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_start, PLUGIN_CB_NO_REGS, NULL);
        } else if (pc == end_addr) {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_end, PLUGIN_CB_NO_REGS, NULL);
        }
    }
}

static void on_qemu_exit(qemu_plugin_id_t id, void *udata)
{
    (void)id;
    (void)udata;
    fprintf(out, "total %" PRIu64 "\n", executed);
    fflush(out);
    if (out != stderr) {
        fclose(out);
    }
}

__attribute__((visibility("default"))) int
qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    if (info->version.min > 1) {
        fprintf(stderr, "insn_count: this QEMU needs plugin API >= %d, plugin speaks 1\n",
                info->version.min);
        return -1;
    }
    out = stderr;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "start=", 6) == 0) {
            start_addr = strtoull(a + 6, NULL, 0);
        } else if (strncmp(a, "end=", 4) == 0) {
            end_addr = strtoull(a + 4, NULL, 0);
        } else if (strncmp(a, "out=", 4) == 0) {
            out = fopen(a + 4, "w");
            if (!out) {
                perror("insn_count: out=");
                return -1;
            }
        } else {
            fprintf(stderr, "insn_count: unknown argument %s\n", a);
            return -1;
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
    return 0;
}
