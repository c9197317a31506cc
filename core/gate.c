/* The system-call gate: see gate.h. */
#include "gate.h"

#if defined(__x86_64__)
/* The System V call puts nr, a1..a5 in rdi, rsi, rdx, rcx, r8, r9 and a6
 * on the stack; the kernel wants nr in rax and the arguments in rdi, rsi,
 * rdx, r10, r8, r9.  It clobbers rcx and r11, which the caller does not
 * expect kept. */
__asm__(".pushsection ue_gate,\"ax\",@progbits\n"
        ".globl ue_gate_syscall6\n"
        ".hidden ue_gate_syscall6\n"
        ".type ue_gate_syscall6,@function\n"
        ".p2align 4\n"
        "ue_gate_syscall6:\n"
        "\tmovq %rdi, %rax\n"
        "\tmovq %rsi, %rdi\n"
        "\tmovq %rdx, %rsi\n"
        "\tmovq %rcx, %rdx\n"
        "\tmovq %r8, %r10\n"
        "\tmovq %r9, %r8\n"
        "\tmovq 8(%rsp), %r9\n"
        "\tsyscall\n"
        "\tret\n"
        ".size ue_gate_syscall6, .-ue_gate_syscall6\n"
        ".popsection\n"
        /* The name core/ calls, weak: the unit tests' racer
         * (tests/unit/racer.c) defines its own, which calls the gate. */
        ".weak ue_syscall6\n"
        ".hidden ue_syscall6\n"
        ".set ue_syscall6, ue_gate_syscall6\n");
#else
#error "the system-call gate is written for x86-64 only"
#endif
