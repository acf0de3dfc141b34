/*
 * ctl.h - smtpctl(8): the control client.
 */
#ifndef POSTHORN_CTL_H
#define POSTHORN_CTL_H

int	ctl_main(int argc, char *argv[]);

#endif
