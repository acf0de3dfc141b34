/*
 * aliases.h - aliases(5) files: "name: value, value, ..." per entry.
 *
 * Values are local users, user@domain addresses, /path/file, |command,
 * :include:/path and error:code text; a value may be "quoted" (with \"
 * and \\ inside) to hold commas or spaces.  Lines that start with white
 * space continue the previous entry; '#' starts a comment line.  The
 * parsers are pure functions over bytes.
 *
 * A ~/.forward holds value lists alone, one per line (blank lines and
 * '#' comments skipped): aliases_forward_line walks them, for the
 * expansion and for the delivery process, which checks that an entry
 * it is asked to run is in the file (aliases_forward_has).  Only a safe
 * file is read at all (aliases_forward_safe).
 */
#ifndef POSTHORN_ALIASES_H
#define POSTHORN_ALIASES_H

#include <sys/types.h>
#include <sys/stat.h>

#include <stddef.h>

#include "defs.h"

#define ALIASES_NAME_MAX	(SMTP_LOCALPART_MAX + 1)  /* incl. NUL */
#define ALIASES_VALUE_MAX	PATH_MAX_CFG	/* one value incl. NUL */
#define ALIASES_LIST_MAX	4096	/* an entry's values incl. NUL */

enum aliases_type {
	ALIASES_T_USER,		/* local user name */
	ALIASES_T_ADDRESS,	/* user@domain */
	ALIASES_T_FILENAME,	/* /path/file: append to the file */
	ALIASES_T_COMMAND,	/* |command: pipe to the command */
	ALIASES_T_INCLUDE,	/* :include:/path: values read from a file */
	ALIASES_T_ERROR		/* error:code text: refuse with code */
};

struct aliases_value {
	enum aliases_type	type;
	int			code;	/* ALIASES_T_ERROR: 4xx or 5xx */
	char			text[ALIASES_VALUE_MAX];  /* without prefix */
};

struct aliases_entry {
	char			 name[ALIASES_NAME_MAX];	/* lower case */
	size_t			 lineno;
	size_t			 nvalues;
	struct aliases_value	*values;
};

struct aliases_list {
	size_t			 n;
	struct aliases_entry	*entries;
};

int	aliases_parse_values(const char *s, struct aliases_value **vals,
	    size_t *nvals, char *err, size_t errsz);
int	aliases_check_values(const char *s, char *err, size_t errsz);
int	aliases_format_values(const struct aliases_value *vals, size_t nvals,
	    char *dst, size_t dstsz);
char	*aliases_forward_line(char **cursor);
int	aliases_forward_has(const char *text, enum aliases_type,
	    const char *value);
int	aliases_forward_safe(const struct stat *, uid_t);
int	aliases_parse(const char *buf, size_t len, const char *fname,
	    struct aliases_list *list, char *err, size_t errsz);
int	aliases_load(const char *path, struct aliases_list *list,
	    char *err, size_t errsz);
void	aliases_list_free(struct aliases_list *list);

#endif
