/*
 * log.h - one line per event, to syslog (facility mail) or to stderr.
 *
 * panic(): a broken invariant, a bug: log and abort().
 * fatal()/fatalx(): an unusable environment: log (with/without errno), exit 1.
 */
#ifndef POSTHORN_LOG_H
#define POSTHORN_LOG_H

#include <stdarg.h>
#include <stddef.h>

void	log_init(const char *procname, int to_stderr, int verbose);
void	log_setproc(const char *procname);
void	log_setverbose(int verbose);
int	log_getverbose(void);
int	log_tostderr(void);

void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));

void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	panic(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/* log_vis - escape s for a log line (strvis-style) into dst of size dstsz. */
const char *log_vis(char *dst, size_t dstsz, const char *s);

#endif
