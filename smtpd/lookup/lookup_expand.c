/*
 * lookup_expand.c - one recipient to its final deliveries.
 *
 * Nodes (addresses, local users, files, commands, includes, errors)
 * are kept in creation order and processed breadth first; a node that
 * equals one already seen is not added again, which both delivers
 * duplicates once and cuts loops.  See lookup_expand.h for the rules.
 */
#include <sys/types.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aliases.h"
#include "cfg.h"
#include "envelope.h"
#include "log.h"
#include "lookup_expand.h"
#include "table.h"
#include "xmalloc.h"

enum lookup_expand_ntype {
	LOOKUP_EXPAND_N_ADDRESS,
	LOOKUP_EXPAND_N_USER,
	LOOKUP_EXPAND_N_FILE,
	LOOKUP_EXPAND_N_COMMAND,
	LOOKUP_EXPAND_N_INCLUDE,
	LOOKUP_EXPAND_N_ERROR
};

struct lookup_expand_node {
	enum lookup_expand_ntype	 type;
	const struct cfg_action		*action;
	int				 depth;
	long				 parent;	/* -1: the recipient */
	int				 sameuser;	/* mailbox, no alias */
	int				 code;		/* ERROR */
	char				 owner[NAME_MAX_CFG];	/* .forward */
	char				 value[ALIASES_VALUE_MAX];
	char				 dest[ADDR_MAX];	/* USER's address */
};

struct lookup_expand {
	const struct lookup_expand_ops	*ops;
	char				 delim;
	struct lookup_expand_node	*nodes;
	size_t				 nnodes, next;
	struct lookup_expand_result	*results;
	size_t				 nresults;
	long				 pending;	/* waits for .forward */
	char				 fwuser[NAME_MAX_CFG];
	uid_t				 fwuid;
	int				 loops;
	int				 code;		/* 0: not refused */
	char				 enhanced[16];
	char				 text[ERRTEXT_MAX];
};

/* lookup_expand_refuse - record the first refusal; expansion stops */
static void __attribute__((format(printf, 4, 5)))
lookup_expand_refuse(struct lookup_expand *x, int code, const char *enh,
    const char *fmt, ...)
{
	va_list	ap;

	if (x->code != 0)
		return;
	x->code = code;
	strlcpy(x->enhanced, enh, sizeof(x->enhanced));
	va_start(ap, fmt);
	vsnprintf(x->text, sizeof(x->text), fmt, ap);
	va_end(ap);
}

/* lookup_expand_tempfail - a table or callback failed */
static void
lookup_expand_tempfail(struct lookup_expand *x)
{
	lookup_expand_refuse(x, 451, "4.3.0", "Temporary failure");
}

/* lookup_expand_same - do two nodes stand for the same delivery? */
static int
lookup_expand_same(const struct lookup_expand_node *a,
    const struct lookup_expand_node *b)
{
	if (a->type != b->type || a->sameuser != b->sameuser ||
	    a->action != b->action)
		return 0;
	switch (a->type) {
	case LOOKUP_EXPAND_N_ADDRESS:
	case LOOKUP_EXPAND_N_USER:
		return strcasecmp(a->value, b->value) == 0;
	case LOOKUP_EXPAND_N_FILE:
	case LOOKUP_EXPAND_N_COMMAND:
		if (strcmp(a->owner, b->owner) != 0)
			return 0;
		break;
	default:
		break;
	}
	return strcmp(a->value, b->value) == 0;
}

/* lookup_expand_seen - 1 if n was seen before (a loop is counted) */
static int
lookup_expand_seen(struct lookup_expand *x, const struct lookup_expand_node *n)
{
	size_t	i;
	long	a;

	for (i = 0; i < x->nnodes; i++) {
		if (!lookup_expand_same(&x->nodes[i], n))
			continue;
		for (a = n->parent; a != -1; a = x->nodes[a].parent)
			if ((size_t)a == i)
				x->loops++;
		return 1;
	}
	return 0;
}

/* lookup_expand_add - append node n unless seen; -1 on a limit */
static int
lookup_expand_add(struct lookup_expand *x, const struct lookup_expand_node *n)
{
	if (n->depth > LOOKUP_EXPAND_DEPTH) {
		lookup_expand_refuse(x, 550, "5.2.4",
		    "Alias expansion too deep");
		return -1;
	}
	if (lookup_expand_seen(x, n))
		return 0;
	if (x->nnodes >= LOOKUP_EXPAND_NODES) {
		lookup_expand_refuse(x, 550, "5.2.4",
		    "Too many recipients after expansion");
		return -1;
	}
	x->nodes = xreallocarray(x->nodes, x->nnodes + 1, sizeof(*x->nodes));
	x->nodes[x->nnodes++] = *n;
	return 0;
}

/* lookup_expand_domain - the domain of addr, "" if none */
static const char *
lookup_expand_domain(const char *addr)
{
	const char	*at = strrchr(addr, '@');

	return at == NULL ? "" : at + 1;
}

/* lookup_expand_local - lower-case local part of addr without its tag */
static void
lookup_expand_local(const struct lookup_expand *x, const char *addr,
    char *dst, size_t dstsz)
{
	const char	*at = strrchr(addr, '@');
	size_t		 len, i;

	len = at == NULL ? strlen(addr) : (size_t)(at - addr);
	for (i = 1; x->delim != '\0' && i < len; i++)
		if (addr[i] == x->delim) {
			len = i;
			break;
		}
	if (len >= dstsz)
		len = dstsz - 1;
	for (i = 0; i < len; i++)
		dst[i] = (char)tolower((unsigned char)addr[i]);
	dst[len] = '\0';
}

/* lookup_expand_node_domain - the domain node i stands in for */
static const char *
lookup_expand_node_domain(const struct lookup_expand *x, long i)
{
	for (; i != -1; i = x->nodes[i].parent) {
		if (x->nodes[i].type == LOOKUP_EXPAND_N_USER)
			return lookup_expand_domain(x->nodes[i].dest);
		if (x->nodes[i].type == LOOKUP_EXPAND_N_ADDRESS)
			return lookup_expand_domain(x->nodes[i].value);
	}
	return "";
}

/* lookup_expand_child - a child of node p from one aliases(5) value */
static void
lookup_expand_child(const struct lookup_expand_node *p, long pi,
    const struct aliases_value *v, const char *owner, const char *dom,
    struct lookup_expand_node *c)
{
	static const enum lookup_expand_ntype types[] = {
		[ALIASES_T_USER] = LOOKUP_EXPAND_N_USER,
		[ALIASES_T_ADDRESS] = LOOKUP_EXPAND_N_ADDRESS,
		[ALIASES_T_FILENAME] = LOOKUP_EXPAND_N_FILE,
		[ALIASES_T_COMMAND] = LOOKUP_EXPAND_N_COMMAND,
		[ALIASES_T_INCLUDE] = LOOKUP_EXPAND_N_INCLUDE,
		[ALIASES_T_ERROR] = LOOKUP_EXPAND_N_ERROR,
	};
	const char	*text = v->text;
	size_t		 i;

	memset(c, 0, sizeof(*c));
	c->type = types[v->type];
	c->action = p->action;
	c->depth = p->depth + 1;
	c->parent = pi;
	c->code = v->code;
	strlcpy(c->owner, owner, sizeof(c->owner));
	if (c->type == LOOKUP_EXPAND_N_USER) {
		if (*text == '\\') {
			text++;
			c->sameuser = 1;
		}
		if (p->type == LOOKUP_EXPAND_N_USER &&
		    strcasecmp(text, p->value) == 0)
			c->sameuser = 1;
		if (snprintf(c->dest, sizeof(c->dest), "%s%s%s", text,
		    *dom ? "@" : "", dom) >= (int)sizeof(c->dest))
			c->dest[0] = '\0';	/* refused as too long */
	}
	strlcpy(c->value, text, sizeof(c->value));
	for (i = 0; c->type == LOOKUP_EXPAND_N_USER && c->value[i]; i++)
		c->value[i] = (char)tolower((unsigned char)c->value[i]);
}

/*
 * lookup_expand_values - add the children of node pi from a value list;
 * from root's ~/.forward, files, commands and includes are dropped.
 * Returns the number of values kept, or -1 if the list is malformed.
 */
static int
lookup_expand_values(struct lookup_expand *x, long pi, const char *list,
    const char *owner, int root_forward)
{
	struct aliases_value		*v;
	struct lookup_expand_node	 c;
	char				 err[256];
	size_t				 n, i;
	int				 kept = 0;

	if (aliases_parse_values(list, &v, &n, err, sizeof(err)) == -1)
		return -1;
	for (i = 0; i < n && x->code == 0; i++) {
		if (*owner != '\0' && (v[i].type == ALIASES_T_INCLUDE ||
		    (root_forward && (v[i].type == ALIASES_T_FILENAME ||
		    v[i].type == ALIASES_T_COMMAND))))
			continue;
		lookup_expand_child(&x->nodes[pi], pi, &v[i], owner,
		    lookup_expand_node_domain(x, pi), &c);
		kept++;
		(void)lookup_expand_add(x, &c);
	}
	free(v);
	return kept;
}

/* lookup_expand_text - values of a file: one list per line, # comments */
static int
lookup_expand_text(struct lookup_expand *x, long pi, const char *text,
    const char *owner, int root_forward)
{
	char	*copy, *p, *line;
	int	 r, kept = 0;

	p = copy = xstrdup(text);
	while (x->code == 0 && (line = aliases_forward_line(&p)) != NULL) {
		if ((r = lookup_expand_values(x, pi, line, owner,
		    root_forward)) == -1) {
			kept = -1;
			break;
		}
		kept += r;
	}
	free(copy);
	return kept;
}

/* lookup_expand_result_add - a final delivery, once */
static void
lookup_expand_result_add(struct lookup_expand *x,
    const struct cfg_action *a, uint32_t type, uint32_t origin,
    const char *dest, const char *user)
{
	struct lookup_expand_result	*r;
	size_t				 i;

	if (strlen(dest) >= sizeof(r->dest)) {
		lookup_expand_refuse(x, 550, "5.1.3", "Destination too long");
		return;
	}
	for (i = 0; i < x->nresults; i++) {
		r = &x->results[i];
		if (r->action != a || r->dest_type != type ||
		    strcmp(r->user, user) != 0)
			continue;
		if (type == ENVELOPE_DEST_ADDRESS && *user != '\0')
			return;		/* one mailbox per user and action */
		if (strcmp(r->dest, dest) == 0)
			return;
	}
	if (x->nresults >= LOOKUP_EXPAND_MAX) {
		lookup_expand_refuse(x, 550, "5.2.4",
		    "Too many recipients after expansion");
		return;
	}
	x->results = xreallocarray(x->results, x->nresults + 1,
	    sizeof(*x->results));
	r = &x->results[x->nresults++];
	memset(r, 0, sizeof(*r));
	r->action = a;
	r->dest_type = type;
	r->origin = origin;
	strlcpy(r->dest, dest, sizeof(r->dest));
	strlcpy(r->user, user, sizeof(r->user));
}

/* lookup_expand_virtual - the virtual entry for addr: tagged, plain,
 * user, @domain */
static int
lookup_expand_virtual(struct lookup_expand *x, const struct cfg_table *vt,
    const char *addr, union table_result *res)
{
	char		 local[ADDR_MAX], key[ADDR_MAX + HOST_MAX];
	const char	*dom = lookup_expand_domain(addr);
	int		 r;

	if ((r = x->ops->table(x->ops->arg, vt, TABLE_K_ALIAS, addr,
	    res)) != 0)
		return r;
	lookup_expand_local(x, addr, local, sizeof(local));
	snprintf(key, sizeof(key), "%s%s%s", local, *dom ? "@" : "", dom);
	if (strcasecmp(key, addr) != 0 && (r = x->ops->table(x->ops->arg,
	    vt, TABLE_K_ALIAS, key, res)) != 0)
		return r;
	if ((r = x->ops->table(x->ops->arg, vt, TABLE_K_ALIAS, local,
	    res)) != 0 || *dom == '\0')
		return r;
	snprintf(key, sizeof(key), "@%s", dom);
	return x->ops->table(x->ops->arg, vt, TABLE_K_ALIAS, key, res);
}

/* lookup_expand_route - an address from an expansion: match it again */
static int
lookup_expand_route(struct lookup_expand *x, struct lookup_expand_node *n)
{
	const struct cfg_match	*m;
	int			 r;

	if ((r = x->ops->route(x->ops->arg, n->value, &m)) == -1) {
		lookup_expand_tempfail(x);
		return -1;
	}
	if (r == 0 || m->reject) {
		lookup_expand_refuse(x, 550, "5.7.1",
		    "Delivery not authorized");
		return -1;
	}
	n->action = m->action;
	return 0;
}

/* lookup_expand_address - route, then relay, virtual or local user */
static void
lookup_expand_address(struct lookup_expand *x, long i)
{
	struct lookup_expand_node	 c, *n = &x->nodes[i];
	union table_result		*res;
	int				 r;

	if (n->depth > 0 && lookup_expand_route(x, n) == -1)
		return;
	if (n->action->type == CFG_ACTION_RELAY) {
		lookup_expand_result_add(x, n->action, ENVELOPE_DEST_ADDRESS,
		    ENVELOPE_ORIGIN_NONE, n->value, "");
		return;
	}
	if (n->action->virtual == NULL) {
		c = *n;
		c.type = LOOKUP_EXPAND_N_USER;
		c.parent = i;
		strlcpy(c.dest, n->value, sizeof(c.dest));
		lookup_expand_local(x, n->value, c.value, sizeof(c.value));
		(void)lookup_expand_add(x, &c);
		return;
	}
	res = xmalloc(sizeof(*res));
	r = lookup_expand_virtual(x, n->action->virtual, n->value, res);
	if (r == -1)
		lookup_expand_tempfail(x);
	else if (r == 0)
		lookup_expand_refuse(x, 550, "5.1.1", "User unknown");
	else if (lookup_expand_values(x, i, res->string, "", 0) == -1)
		lookup_expand_tempfail(x);
	free(res);
}

/* lookup_expand_account - the account mail for a user goes to */
static int
lookup_expand_account(struct lookup_expand *x, const struct cfg_action *a,
    const char *name, struct lookup_expand_account *acct)
{
	union table_result	*res;
	int			 r;

	memset(acct, 0, sizeof(*acct));
	if (*a->user != '\0')
		name = a->user;
	if (strlcpy(acct->name, name, sizeof(acct->name)) >=
	    sizeof(acct->name))
		return 0;
	if (a->userbase == NULL)
		return x->ops->account(x->ops->arg, name, acct);
	res = xmalloc(sizeof(*res));
	r = x->ops->table(x->ops->arg, a->userbase, TABLE_K_USERINFO, name,
	    res);
	if (r == 1)
		acct->uid = res->userinfo.uid;
	free(res);
	return r;
}

/* lookup_expand_mailbox - the final mailbox of a local user */
static void
lookup_expand_mailbox(struct lookup_expand *x, long i,
    const struct lookup_expand_account *acct)
{
	const struct lookup_expand_node	*n = &x->nodes[i];

	if (n->action->type == CFG_ACTION_EXPAND_ONLY ||
	    n->action->type == CFG_ACTION_FORWARD_ONLY) {
		lookup_expand_refuse(x, 550, "5.7.1",
		    "No local delivery for this recipient");
		return;
	}
	if (acct->uid == 0) {
		lookup_expand_refuse(x, 550, "5.1.1",
		    "root mail must be aliased");
		return;
	}
	if (*n->dest == '\0') {
		lookup_expand_refuse(x, 550, "5.1.3", "Destination too long");
		return;
	}
	lookup_expand_result_add(x, n->action, ENVELOPE_DEST_ADDRESS,
	    ENVELOPE_ORIGIN_MAILBOX, n->dest, acct->name);
}

/* lookup_expand_alias - expand user i through the alias table: -1/0/1 */
static int
lookup_expand_alias(struct lookup_expand *x, long i)
{
	union table_result	*res;
	int			 r;

	res = xmalloc(sizeof(*res));
	r = x->ops->table(x->ops->arg, x->nodes[i].action->alias,
	    TABLE_K_ALIAS, x->nodes[i].value, res);
	if (r == 1 && lookup_expand_values(x, i, res->string, "", 0) == -1)
		r = -1;
	free(res);
	if (r == -1)
		lookup_expand_tempfail(x);
	return r;
}

/* lookup_expand_user - aliases, then the account, its .forward, mailbox */
static void
lookup_expand_user(struct lookup_expand *x, long i)
{
	const struct lookup_expand_node	*n = &x->nodes[i];
	struct lookup_expand_account	 acct;
	int				 r;

	if (!n->sameuser && n->action->alias != NULL &&
	    lookup_expand_alias(x, i) != 0)
		return;
	n = &x->nodes[i];
	if ((r = lookup_expand_account(x, n->action, n->value, &acct)) == -1) {
		lookup_expand_tempfail(x);
		return;
	}
	if (r == 0) {
		lookup_expand_refuse(x, 550, "5.1.1", "User unknown");
		return;
	}
	if (!n->sameuser && *n->action->user == '\0' &&
	    n->action->userbase == NULL) {
		x->pending = i;
		x->fwuid = acct.uid;
		strlcpy(x->fwuser, acct.name, sizeof(x->fwuser));
		return;
	}
	lookup_expand_mailbox(x, i, &acct);
}

/* lookup_expand_final - a file or command: its user, then the result */
static void
lookup_expand_final(struct lookup_expand *x, long i)
{
	const struct lookup_expand_node	*n = &x->nodes[i];
	const char			*user;

	if (n->action->type == CFG_ACTION_FORWARD_ONLY) {
		lookup_expand_refuse(x, 550, "5.7.1",
		    "No local delivery for this recipient");
		return;
	}
	if (*n->owner != '\0')
		user = n->owner;
	else if (*n->action->user != '\0')
		user = n->action->user;
	else
		user = LOOKUP_EXPAND_ALIAS_USER;
	lookup_expand_result_add(x, n->action, n->type ==
	    LOOKUP_EXPAND_N_FILE ? ENVELOPE_DEST_FILE : ENVELOPE_DEST_COMMAND,
	    *n->owner != '\0' ? ENVELOPE_ORIGIN_FORWARD : ENVELOPE_ORIGIN_ALIAS,
	    n->value, user);
}

/* lookup_expand_include - the values of an :include: file */
static void
lookup_expand_include(struct lookup_expand *x, long i)
{
	char	*text = NULL;
	int	 r;

	if (x->ops->include(x->ops->arg, x->nodes[i].value, &text) == -1) {
		lookup_expand_tempfail(x);
		return;
	}
	r = lookup_expand_text(x, i, text, "", 0);
	free(text);
	if (r == -1)
		lookup_expand_refuse(x, 451, "4.3.0", "Invalid include file");
}

/* lookup_expand_error_node - error:code text refuses the recipient */
static void
lookup_expand_error_node(struct lookup_expand *x, long i)
{
	const struct lookup_expand_node	*n = &x->nodes[i];
	const char			*t = n->value + 3;
	char				 enh[16];
	size_t				 len;

	t += strspn(t, " ");
	len = strspn(t, "0123456789.");
	if (len >= 5 && len < sizeof(enh) && t[0] == n->value[0] &&
	    t[1] == '.' && (t[len] == ' ' || t[len] == '\0')) {
		memcpy(enh, t, len);
		enh[len] = '\0';
		t += len + strspn(t + len, " ");
	} else
		snprintf(enh, sizeof(enh), "%c.0.0", n->value[0]);
	lookup_expand_refuse(x, n->code, enh, "%s", *t ? t :
	    "Delivery refused");
}

/* lookup_expand_new - start expanding rcpt, accepted by action a */
struct lookup_expand *
lookup_expand_new(const struct lookup_expand_ops *ops, char delim,
    const struct cfg_action *a, const char *rcpt)
{
	struct lookup_expand		*x;
	struct lookup_expand_node	 n;

	x = xcalloc(1, sizeof(*x));
	x->ops = ops;
	x->delim = delim;
	x->pending = -1;
	memset(&n, 0, sizeof(n));
	n.type = LOOKUP_EXPAND_N_ADDRESS;
	n.action = a;
	n.parent = -1;
	if (strlcpy(n.value, rcpt, sizeof(n.value)) >= sizeof(n.value) ||
	    strlen(rcpt) >= ADDR_MAX)
		lookup_expand_refuse(x, 550, "5.1.3", "Address too long");
	else
		(void)lookup_expand_add(x, &n);
	return x;
}

/* lookup_expand_run - expand until done, refused or a .forward is needed */
enum lookup_expand_status
lookup_expand_run(struct lookup_expand *x)
{
	long	i;

	while (x->code == 0 && x->pending == -1 && x->next < x->nnodes) {
		i = (long)x->next++;
		switch (x->nodes[i].type) {
		case LOOKUP_EXPAND_N_ADDRESS:
			lookup_expand_address(x, i);
			break;
		case LOOKUP_EXPAND_N_USER:
			lookup_expand_user(x, i);
			break;
		case LOOKUP_EXPAND_N_FILE:
		case LOOKUP_EXPAND_N_COMMAND:
			lookup_expand_final(x, i);
			break;
		case LOOKUP_EXPAND_N_INCLUDE:
			lookup_expand_include(x, i);
			break;
		case LOOKUP_EXPAND_N_ERROR:
			lookup_expand_error_node(x, i);
			break;
		}
	}
	if (x->code == 0 && x->pending != -1)
		return LOOKUP_EXPAND_FORWARD;
	if (x->code == 0 && x->nresults == 0)
		lookup_expand_refuse(x, 550, x->loops ? "5.4.6" : "5.1.1",
		    x->loops ? "Mail loop detected" : "User unknown");
	return x->code == 0 ? LOOKUP_EXPAND_DONE : LOOKUP_EXPAND_REFUSED;
}

/* lookup_expand_forward_user - whose ~/.forward the expansion waits for */
const char *
lookup_expand_forward_user(const struct lookup_expand *x)
{
	return x->pending == -1 ? NULL : x->fwuser;
}

/*
 * lookup_expand_forward - the text of the pending user's ~/.forward, or
 * NULL when there is none (or it may not be used): its entries replace
 * the mailbox, unless none is left.
 */
void
lookup_expand_forward(struct lookup_expand *x, const char *text)
{
	struct lookup_expand_account	acct;
	long				i = x->pending;
	int				r = 0;

	if (i == -1)
		return;
	x->pending = -1;
	if (text != NULL)
		r = lookup_expand_text(x, i, text, x->fwuser, x->fwuid == 0);
	if (r == -1)
		lookup_expand_refuse(x, 451, "4.3.0", "Invalid ~/.forward");
	if (r != 0)
		return;
	memset(&acct, 0, sizeof(acct));
	strlcpy(acct.name, x->fwuser, sizeof(acct.name));
	acct.uid = x->fwuid;
	lookup_expand_mailbox(x, i, &acct);
}

/*
 * lookup_expand_forward_failed - the pending user's ~/.forward could
 * not be read in time: the recipient fails temporarily
 */
void
lookup_expand_forward_failed(struct lookup_expand *x)
{
	if (x->pending == -1)
		return;
	x->pending = -1;
	lookup_expand_refuse(x, 451, "4.3.0",
	    "Temporary failure reading ~/.forward");
}

/* lookup_expand_nresults - how many final deliveries */
size_t
lookup_expand_nresults(const struct lookup_expand *x)
{
	return x->nresults;
}

/* lookup_expand_result - final delivery number i */
const struct lookup_expand_result *
lookup_expand_result(const struct lookup_expand *x, size_t i)
{
	if (i >= x->nresults)
		panic("lookup_expand_result: %zu of %zu", i, x->nresults);
	return &x->results[i];
}

/* lookup_expand_error - the refusal: its code (0 if none), texts */
int
lookup_expand_error(const struct lookup_expand *x, const char **enhanced,
    const char **text)
{
	*enhanced = x->enhanced;
	*text = x->text;
	return x->code;
}

/* lookup_expand_free - release an expansion */
void
lookup_expand_free(struct lookup_expand *x)
{
	if (x == NULL)
		return;
	free(x->nodes);
	free(x->results);
	free(x);
}
