/*
 * table.h - named tables (table(5)): lists and maps behind one interface.
 *
 * A table has a name, a backend ("file", "db", "inline") and a content
 * type (a list of keys or a map of key -> value), fixed by its first
 * entry.  Keys are stored and looked up in lower case (ASCII); values
 * keep their case.  Lookups are per kind (what the caller means by the
 * key and how a value is read) and answer -1 (error), 0 (not found) or
 * 1 (found).  A reload that fails keeps the previous contents.
 */
#ifndef POSTHORN_TABLE_H
#define POSTHORN_TABLE_H

#include <sys/types.h>

#include <stddef.h>

#include "defs.h"

#define TABLE_KEY_MAX		512	/* key buffer incl. NUL */
#define TABLE_VALUE_MAX		4096	/* value buffer incl. NUL */
#define TABLE_LINE_MAX		8192	/* one line of a table file, incl. LF */
#define TABLE_FILE_MAX		(64 * 1024 * 1024)	/* bytes of one file */

enum table_type {
	TABLE_T_NONE,		/* empty: no entry yet */
	TABLE_T_LIST,		/* keys only */
	TABLE_T_MAP		/* key -> value */
};

enum table_kind {
	TABLE_K_STRING,		/* key -> value, verbatim */
	TABLE_K_ALIAS,		/* key -> aliases(5) expansion list */
	TABLE_K_DOMAIN,		/* domain; "*.example.org" matches subdomains */
	TABLE_K_CREDENTIALS,	/* user -> hash, or label -> "user:secret" */
	TABLE_K_NETADDR,	/* address; entries are addresses or CIDR */
	TABLE_K_USERINFO,	/* user -> "uid:gid:/home/dir" */
	TABLE_K_SOURCE,		/* address list for "src" */
	TABLE_K_MAILADDR,	/* full address; entries user@dom, @dom, user */
	TABLE_K_MAILADDRMAP,	/* user or address -> list of mailaddrs */
	TABLE_K_ADDRNAME,	/* address -> host name */
	TABLE_K_RELAYHOST	/* label -> relay URL */
};

struct table_credentials {
	char	username[ADDR_MAX];
	char	password[TABLE_VALUE_MAX];
};

struct table_userinfo {
	uid_t	uid;
	gid_t	gid;
	char	directory[PATH_MAX_CFG];
};

struct table_netaddr {
	int		family;		/* AF_INET or AF_INET6 */
	unsigned char	addr[16];	/* network byte order */
	unsigned int	bits;		/* prefix length */
};

struct table_mailaddr {
	char	user[ADDR_MAX];		/* "" matches any user */
	char	domain[HOST_MAX];	/* "" matches any domain */
};

union table_result {
	char			 string[TABLE_VALUE_MAX];
	struct table_credentials creds;
	struct table_userinfo	 userinfo;
	struct table_netaddr	 netaddr;
	struct table_mailaddr	 mailaddr;
};

struct table;

struct table	*table_create(const char *name, const char *backend,
		    const char *path, char *err, size_t errsz);
int		 table_add(struct table *, const char *key, const char *value);
int		 table_open(struct table *, char *err, size_t errsz);
int		 table_reload(struct table *, char *err, size_t errsz);
void		 table_free(struct table *);
const char	*table_name(const struct table *);
enum table_type	 table_type(const struct table *);
int		 table_lookup(struct table *, enum table_kind, const char *key,
		    union table_result *out);
int		 table_match(struct table *, enum table_kind, const char *key);
int		 table_fetch(struct table *, enum table_kind, size_t *cursor,
		    union table_result *out);
int		 table_mailaddrmap_check(struct table *, const char *key,
		    const char *mailaddr);

/* Pure parsers and matchers of the kinds, usable on their own. */
int	table_netaddr_parse(const char *, struct table_netaddr *);
int	table_netaddr_match(const struct table_netaddr *net,
	    const struct table_netaddr *addr);
int	table_domain_match(const char *pattern, const char *domain);
int	table_mailaddr_parse(const char *, struct table_mailaddr *);
int	table_mailaddr_match(const struct table_mailaddr *pattern,
	    const char *addr);
int	table_userinfo_parse(const char *, struct table_userinfo *);
int	table_credentials_parse(const char *key, const char *value,
	    struct table_credentials *);
int	table_key_lower(char *dst, size_t dstsz, const char *key);

/*
 * The backend interface.  Adding a store is one file with one
 * struct table_backend and one line in the registry of table.c.
 * open: build a new handle from path (the old one stays until it
 * succeeds); get: exact key (already lower case) into val, "" for a
 * list entry; foreach: call cb for every entry until cb returns
 * non-zero, which foreach then returns (0 at the end, -1 on error).
 */
typedef int	(*table_cb)(void *arg, const char *key, const char *value);

struct table_backend {
	const char	*name;
	int		 needs_path;
	int		(*open)(const char *path, void **handle,
			    char *err, size_t errsz);
	void		(*close)(void *handle);
	int		(*get)(void *handle, const char *key, char *val,
			    size_t valsz);
	int		(*foreach)(void *handle, table_cb cb, void *arg);
	enum table_type	(*type)(void *handle);
};

extern const struct table_backend table_file_backend;
extern const struct table_backend table_db_backend;
extern const struct table_backend table_inline_backend;

/* The in-memory store behind inline and file tables. */
struct table_inline;

struct table_inline	*table_inline_new(void);
void		 table_inline_free(void *);
int		 table_inline_put(struct table_inline *, const char *key,
		    const char *value, char *err, size_t errsz);
size_t		 table_inline_count(const struct table_inline *);

/* table_file.c: the table(5) file format, a pure parser. */
int	table_file_parse(const char *buf, size_t len, const char *fname,
	    enum table_type expect, struct table_inline *, char *err,
	    size_t errsz);
const char *table_file_check_line(const char *, size_t);
int	table_file_read(const char *path, char **data, size_t *len,
	    char *err, size_t errsz);
int	table_file_load(const char *path, enum table_type expect,
	    struct table_inline **, char *err, size_t errsz);

/* makemap.c: build the Berkeley DB files table_db.c reads. */
enum makemap_source {
	MAKEMAP_SRC_MAP,	/* table(5) file, list or map */
	MAKEMAP_SRC_SET,	/* table(5) file, keys only */
	MAKEMAP_SRC_ALIASES	/* aliases(5) file */
};

int	makemap_build(const char *src, const char *dst, enum makemap_source,
	    char *err, size_t errsz);
int	makemap_run(int argc, char *argv[]);

#endif
