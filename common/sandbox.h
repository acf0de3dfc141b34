/*
 * sandbox.h - no new privileges, no core files and a system call filter
 * for a role that has dropped its privileges (sandbox.c).
 */
#ifndef POSTHORN_SANDBOX_H
#define POSTHORN_SANDBOX_H

#include "proc_role.h"

void	sandbox_enter(enum proc_role);

#endif
