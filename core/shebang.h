/* The #! line of a script, as the kernel reads it (binfmt_script): the
 * interpreter, and at most one argument, the rest of the line.  The
 * preload's exec (preload/exec.c), the verdict on a program
 * (core/followable.c) and the supervisor's start of its command
 * (supervisor/main.c) read it the same way. */
#ifndef UE_SHEBANG_H
#define UE_SHEBANG_H

/* line: the file's first bytes, NUL-terminated.  Cut in place: *interp
 * the interpreter as written, *arg its argument without the blanks around
 * it (NULL when there is none).  0, or -ENOEXEC: no "#!", or nothing
 * after it. */
int ue_shebang_parse(char *line, char **interp, char **arg);

#endif
