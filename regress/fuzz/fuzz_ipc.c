/*
 * fuzz_ipc.c - the check of every received IPC frame: the first octet
 * names the receiver, the second the sender, the third the number of
 * descriptors that came with it, the rest is the frame.  A frame that
 * passes must be one the catalogue allows, whole.
 */
#include <stdlib.h>
#include <string.h>

#include "ipc.h"
#include "ipc_msgs.h"
#include "proc.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipc_hdr	 h;
	enum proc_role	 self, peer;
	char		why[ERRTEXT_MAX];
	uint8_t		*frame;
	int		 nfds;

	if (size < 3)
		return 0;
	self = (enum proc_role)(data[0] % PROC_MAX);
	peer = (enum proc_role)(data[1] % PROC_MAX);
	nfds = data[2] % 3;
	data += 3;
	size -= 3;
	/* the receive buffer is aligned; so is this copy */
	if ((frame = malloc(size + sizeof(h))) == NULL)
		abort();
	memcpy(frame, data, size);
	memset(&h, 0, sizeof(h));
	memcpy(&h, frame, size < sizeof(h) ? size : sizeof(h));
	if (ipc_check(self, peer, &h, size, nfds, frame + sizeof(h),
	    why, sizeof(why)) == 0) {
		if (h.len != ipc_payload_size(h.type) ||
		    size != sizeof(h) + h.len)
			abort();
		if (h.type == MSG_HELLO)
			ipc_hello_check((const void *)(frame + sizeof(h)),
			    peer);
	}
	free(frame);
	return 0;
}
