/*
 * makemap_main - program entry point of makemap(8).
 */
#include "table.h"

int
main(int argc, char *argv[])
{
	return makemap_run(argc, argv);
}
