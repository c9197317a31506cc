/* core/blocks.c: memory cut from blocks, freed at once, one block kept
 * for the next chain. */
#include "blocks.h"
#include "tap.h"
#include "tests.h"

#include <stdint.h>
#include <string.h>

void test_blocks(void)
{
	struct ue_block *head = NULL;
	ue_block_spare spare = NULL;
	char *a = ue_block_alloc(&head, 10, 64, NULL), *b = ue_block_alloc(&head, 10, 64, NULL);
	ok(a && b && b == a + 16, "two small pieces, 16-aligned, one after the other");
	ok(((uintptr_t)a & 15) == 0, "aligned to 16 bytes");
	memset(a, 1, 10);
	memset(b, 2, 10);
	char *c = ue_block_alloc(&head, 40, 64, NULL);
	ok(c && c != b + 16, "no room left in the block: a new one");
	char *big = ue_block_alloc(&head, 1000, 64, NULL);
	ok(big != NULL, "a piece larger than a block gets a block of its size");
	memset(big, 3, 1000);
	ok(a[9] == 1 && b[0] == 2, "earlier pieces keep their bytes");
	ue_blocks_free(&head, &spare);
	ok(head == NULL && spare != NULL, "freed: the chain is empty, one block kept");
	struct ue_block *kept = spare;
	char *d = ue_block_alloc(&head, 10, 64, &spare);
	ok(d && spare == NULL && head == kept, "the next chain starts in the kept block");
	ue_blocks_free(&head, NULL);
	ok(head == NULL, "freed without keeping");
	char *e = ue_block_alloc(&head, 10, 64, &spare);
	ok(e != NULL && spare == NULL, "nothing kept: a new block");
	ue_blocks_free(&head, &spare);
	struct ue_block *small = spare;
	char *f = ue_block_alloc(&head, 500, 64, &spare);
	ok(f != NULL && head != small && spare == NULL, "a kept block too small for the piece is not used");
	ue_blocks_free(&head, NULL);
}
