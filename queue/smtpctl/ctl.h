/*
 * ctl.h - smtpctl(8): the control client.
 */
#ifndef POSTHORN_CTL_H
#define POSTHORN_CTL_H

#include "ipc_msgs.h"

int	ctl_main(int argc, char *argv[]);
int	ctl_parse(int argc, char *argv[], enum ipc_type *, const char **arg);

#endif
