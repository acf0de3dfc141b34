/*
 * defs.h - protocol and naming bounds shared by every process.
 *
 * Fixed-size fields in IPC payloads and on-disk records are sized from
 * these, so a value that fits one process fits all of them.
 */
#ifndef POSTHORN_DEFS_H
#define POSTHORN_DEFS_H

#define SMTP_CMD_LINE_MAX	512	/* command line incl. CRLF (RFC 5321 4.5.3.1.4) */
#define SMTP_TEXT_LINE_MAX	1000	/* text line incl. CRLF (4.5.3.1.6) */
#define SMTP_REPLY_LINE_MAX	512	/* reply line incl. CRLF (4.5.3.1.5) */
#define SMTP_LOCALPART_MAX	64	/* 4.5.3.1.1 */
#define SMTP_DOMAIN_MAX		255	/* 4.5.3.1.2 */
#define SMTP_PATH_MAX		256	/* 4.5.3.1.3, incl. angle brackets */

#define ADDR_MAX		512	/* a mail address buffer (room for SMTPUTF8) */
#define HOST_MAX		256	/* a host name buffer */
#define ENVID_MAX		101	/* RFC 3461 ENVID, 100 chars + NUL */
#define ORCPT_MAX		512	/* RFC 3461 ORCPT, decoded */
#define ERRTEXT_MAX		512	/* a remote or local error text */
#define NAME_MAX_CFG		64	/* names of tables, actions, pki, tags */
#define PATH_MAX_CFG		1024	/* file names in the configuration */

#define POSTHORN_USER		"_posthorn"	/* listener, relay workers */
#define POSTHORN_QUEUE_USER	"_posthornq"	/* spool owner */
#define POSTHORN_FILTER_USER	"_posthornf"	/* filter processes */
#define POSTHORN_ALIAS_USER	"nobody"	/* alias files and commands */
#define POSTHORN_CONF		"/etc/posthorn/smtpd.conf"
#define POSTHORN_SPOOL		"/var/spool/posthorn"
#define POSTHORN_QUEUE_KEY_ENV	"POSTHORN_QUEUE_KEY"	/* queue encryption's
						 * key, the queue's alone */


/*
 * Inside the spool (queue path).  The spool itself, empty/ and run/ are
 * root's; only the queue's own areas (qstore.h) are _posthornq's.
 */
#define SPOOL_EMPTY_DIR		"empty"		/* the listener's root */
#define SPOOL_RUN_DIR		"run"		/* the pid file and sockets */
#define SPOOL_ENQUEUE_SOCK	"enqueue.sock"	/* in run/: listen on socket */
#define SPOOL_CONTROL_SOCK	"control.sock"	/* in run/: smtpctl */
#define SPOOL_PIDFILE		"smtpd.pid"	/* in run/ */

#endif
