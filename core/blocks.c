#include "blocks.h"

#include <stdint.h>
#include <stdlib.h>

struct ue_block {
	struct ue_block *next;
	size_t used, size;
	_Alignas(16) char data[];
};

void *ue_block_alloc(struct ue_block **head, size_t n, size_t size, ue_block_spare *spare)
{
	struct ue_block *b = *head;
	n = (n + 15) & ~(size_t)15;
	if (!b || b->size - b->used < n) {
		size_t room = n > size ? n : size;
		b = spare ? atomic_exchange(spare, NULL) : NULL;
		if (b && b->size < room) {
			free(b);
			b = NULL;
		}
		if (!b) {
			if (!(b = malloc(sizeof *b + room)))
				return NULL;
			b->size = room;
		}
		b->next = *head;
		b->used = 0;
		*head = b;
	}
	void *p = b->data + b->used;
	b->used += n;
	return p;
}

void ue_blocks_free(struct ue_block **head, ue_block_spare *spare)
{
	while (*head) {
		struct ue_block *b = *head, *none = NULL;
		*head = b->next;
		if (!spare || !atomic_compare_exchange_strong(spare, &none, b))
			free(b);
	}
}
