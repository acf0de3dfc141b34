/*
 * fmt.h - format specifiers of smtpd.conf: %{rcpt.user}, %{sender:raw} ...
 *
 * Expands mda commands, maildir and mbox paths, lmtp destinations and
 * relay helo / mail-from templates the way OpenSMTPD 6.8 does:
 *
 *	%{sender} %{sender.user} %{sender.domain}
 *	%{rcpt} %{rcpt.user} %{rcpt.domain}
 *	%{dest} %{dest.user} %{dest.domain}
 *	%{user.username} %{user.directory} %{mbox.from} %{mda}
 *
 * Token names are case-insensitive.  A slice follows the name:
 * [n] one character, [n:m] from n to m inclusive, [n:] and [:m]; a
 * negative n counts from the end, a negative m counts from the end and
 * excludes the last -m characters (so [:-1] drops the last one).  A begin
 * beyond the value is an error, an end beyond it is clamped; an empty
 * value expands to nothing whatever the slice.  Modifiers follow a ':'
 * and are separated by '|': lowercase, uppercase, strip (drop the
 * "+tag" sub-address), raw.  "%%" is a '%'; a leading "~/" is the
 * user's home directory.
 *
 * Sanitising: values that come from the network (every token except
 * user.directory and mda) have every byte outside the unquoted-address
 * alphabet (letters, digits, "+-=_.@[]", 8-bit bytes) replaced by ':'.
 * On any address OpenSMTPD accepts this is exactly its MAILADDR_ESCAPE
 * replacement (the 15 characters ! # $ % & ' * / ? ^ ` { | } ~, the
 * slash included); on anything else (a space, ';', '<', '(', '"', '\\',
 * a control character) it is stricter.  A sanitised token never starts
 * with '.', so it cannot form "." or ".." as a path component.  ":raw"
 * turns sanitising off, except that control characters are replaced even
 * then: no raw value may split a command or a header line.
 */
#ifndef POSTHORN_FMT_H
#define POSTHORN_FMT_H

#include <stddef.h>

#define FMT_TOKEN_MAX	128	/* bytes between "%{" and "}" */
#define FMT_VALUE_MAX	1024	/* one expanded token, NUL included */

/*
 * The envelope and user a template is expanded for.  Address parts may
 * be NULL (read as ""); user_name, user_dir and mda are NULL when not
 * known, and a template that asks for them then fails.  mbox_from NULL
 * means "derived from the sender" (MAILER-DAEMON for <>).  subaddr_delim
 * '\0' means '+'.
 */
struct fmt_ctx {
	const char	*sender_user;
	const char	*sender_domain;
	const char	*rcpt_user;
	const char	*rcpt_domain;
	const char	*dest_user;
	const char	*dest_domain;
	const char	*user_name;
	const char	*user_dir;
	const char	*mbox_from;
	const char	*mda;
	char		 subaddr_delim;
};

/*
 * fmt_expand - expand template for ctx into dst (always NUL-terminated).
 * Returns 0, or -1 with a message in err: unknown token or modifier,
 * unterminated "%{", bad slice, missing value, or a result that does not
 * fit in dstsz.
 */
int	fmt_expand(char *dst, size_t dstsz, const char *template,
	    const struct fmt_ctx *ctx, char *err, size_t errsz);

#endif
