/* tiny.h - what lib/tiny/ shares among its files. */
#ifndef SOCKIT_TINY_H
#define SOCKIT_TINY_H

#include "../sockit.h"

/* Calls fn on each line of the file at path, NUL-terminated, without its
 * newline; a line longer than 1 KiB is cut there. Stops at the first nonzero
 * fn returns and returns it; 0 at the end; -1 if the file cannot be read. */
int file_lines(const char *path, int (*fn)(char *line, void *arg), void *arg);
/* The next blank-separated word of *p, NUL-terminated, or NULL at the end of
 * the line or at a '#' that starts a comment. */
char *file_word(char **p);
/* The next ':'-separated field of *p (passwd, group), NUL-terminated. */
char *file_field(char **p);

#endif
