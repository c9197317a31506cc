#include "blocks.h"
#include "sys.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

struct ue_block {
	struct ue_block *next;
	size_t used, size;
	int mapped;
	_Alignas(16) char data[];
};

void *ue_block_alloc(struct ue_block **head, size_t n, size_t size, int mapped)
{
	struct ue_block *b = *head;
	n = (n + 15) & ~(size_t)15;
	if (!b || b->size - b->used < n) {
		size_t room = n > size ? n : size;
		if (mapped) {
			long m = UE_SYS(SYS_mmap, NULL, sizeof *b + room, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			b = m < 0 ? NULL : (struct ue_block *)m;
		} else {
			b = malloc(sizeof *b + room);
		}
		if (!b)
			return NULL;
		b->next = *head;
		b->used = 0;
		b->size = room;
		b->mapped = mapped;
		*head = b;
	}
	void *p = b->data + b->used;
	b->used += n;
	return p;
}

void ue_blocks_free(struct ue_block **head)
{
	while (*head) {
		struct ue_block *b = *head;
		*head = b->next;
		if (b->mapped)
			UE_SYS(SYS_munmap, b, sizeof *b + b->size);
		else
			free(b);
	}
}
