/*
 * check_iobuf — the block queues of the connection core: bytes come out as they went in,
 * across blocks; drained blocks go back to the thread's cache; and room taken for a read
 * that brought nothing (iobuf_space without iobuf_commit) is given back by iobuf_trim, so
 * a connection waiting for its first request holds no block; a request body's block moves
 * from the input to a backend's queue (iobuf_move) instead of being copied.
 */
#include <string.h>

#include <check.h>

#include "base/iobuf.h"

START_TEST(test_iobuf_add_peek_drain_across_blocks)
{
	struct iobuf b;
	static char in[IOBUF_BLOCK * 2 + 100], out[sizeof(in)];
	size_t got = 0, n;
	const char *p;

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (char)(i * 7);
	iobuf_init(&b);
	ck_assert_int_eq(iobuf_add(&b, in, sizeof(in)), 0);
	ck_assert_uint_eq(iobuf_len(&b), sizeof(in));
	while ((p = iobuf_peek(&b, &n)) != NULL) {
		memcpy(out + got, p, n);
		got += n;
		iobuf_drain(&b, n);
	}
	ck_assert_uint_eq(got, sizeof(in));
	ck_assert_mem_eq(in, out, sizeof(in));
	ck_assert_uint_eq(iobuf_len(&b), 0);
	ck_assert_ptr_null(b.head);
	iobuf_pool_drain();
}
END_TEST

START_TEST(test_iobuf_trim_gives_back_room_not_committed)
{
	struct iobuf b, other;
	size_t avail;
	char *room, *again;

	iobuf_pool_drain();
	iobuf_init(&b);
	iobuf_init(&other);
	/* a read that found nothing: the block taken for it goes back to the thread's cache,
	 * where the next block asked for comes from */
	ck_assert_ptr_nonnull(room = iobuf_space(&b, 1, &avail));
	ck_assert_uint_eq(avail, IOBUF_BLOCK);
	iobuf_trim(&b);
	ck_assert_ptr_null(b.head);
	ck_assert_ptr_null(b.tail);
	ck_assert_ptr_nonnull(again = iobuf_space(&other, 1, &avail));
	ck_assert_ptr_eq(again, room);
	iobuf_trim(&other);
	ck_assert_ptr_null(other.head);
	/* bytes queued: a block that holds some stays */
	ck_assert_int_eq(iobuf_add(&b, "abc", 3), 0);
	iobuf_trim(&b);
	ck_assert_uint_eq(iobuf_len(&b), 3);
	ck_assert_ptr_nonnull(b.head);
	/* a full block, then a new empty one taken for the next read: only that one goes */
	iobuf_clear(&b);
	{
		static char full[IOBUF_BLOCK];
		const char *p;
		size_t n;

		ck_assert_int_eq(iobuf_add(&b, full, sizeof(full)), 0);
		ck_assert_ptr_nonnull(room = iobuf_space(&b, 1, &avail));
		ck_assert_ptr_ne(b.head, b.tail);
		iobuf_trim(&b);
		ck_assert_ptr_eq(b.head, b.tail);
		ck_assert_ptr_nonnull(again = iobuf_space(&other, 1, &avail));
		ck_assert_ptr_eq(again, room);   /* the empty block went back, and only it */
		iobuf_trim(&other);
		ck_assert_uint_eq(iobuf_len(&b), IOBUF_BLOCK);
		/* and the queue still works */
		ck_assert_int_eq(iobuf_add(&b, "z", 1), 0);
		p = iobuf_peek(&b, &n);
		ck_assert_uint_eq(n, IOBUF_BLOCK);
		iobuf_drain(&b, n);
		p = iobuf_peek(&b, &n);
		ck_assert_uint_eq(n, 1);
		ck_assert_int_eq(p[0], 'z');
	}
	iobuf_clear(&b);
	iobuf_trim(&b);   /* empty: nothing to do */
	ck_assert_ptr_null(b.head);
	iobuf_pool_drain();
}
END_TEST

/* readv(2) into reserved room, then iobuf_add of the bytes where they lie: committed in
 * place (no copy), across blocks, while the front drains; the room not used goes back. */
START_TEST(test_iobuf_reserve_add_in_place)
{
	struct iobuf b;
	struct iovec iov[5];
	static char src[3 * IOBUF_BLOCK];
	char got[4 * IOBUF_BLOCK];
	size_t total = 0, n, seg, left;
	const char *p;
	int niov;

	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (char)(i * 7 + 3);
	iobuf_init(&b);
	ck_assert_int_eq(iobuf_add(&b, "head", 4), 0);
	niov = iobuf_reserve(&b, 2 * IOBUF_BLOCK + 100, iov, 5);
	ck_assert_int_eq(niov, 3);   /* the head block's rest, then two more */
	ck_assert_uint_eq(iov[0].iov_len, IOBUF_BLOCK - 4);
	ck_assert_uint_eq(iobuf_len(&b), 4);
	/* a "read" of 20000 bytes: one block and a part of the next hold them */
	left = 20000;
	for (int k = 0, at = 0; left > 0; k++) {
		seg = left < iov[k].iov_len ? left : iov[k].iov_len;
		memcpy(iov[k].iov_base, src + at, seg);
		at += (int)seg;
		left -= seg;
	}
	iobuf_unreserve(&b, 20000);   /* the third block goes back */
	ck_assert_int_eq(iobuf_add(&b, iov[0].iov_base, iov[0].iov_len), 0);
	/* the front drains (as SSL_write would) before the second part is added */
	p = iobuf_peek(&b, &n);
	ck_assert_uint_eq(n, IOBUF_BLOCK);
	memcpy(got, p, n);
	total = n;
	iobuf_drain(&b, n);
	ck_assert_uint_eq(iobuf_len(&b), 0);
	ck_assert_int_eq(iobuf_add(&b, iov[1].iov_base, 20000 - iov[0].iov_len), 0);
	ck_assert_ptr_eq(iobuf_peek(&b, &n), iov[1].iov_base);   /* in place: no copy */
	ck_assert_uint_eq(n, 20000 - iov[0].iov_len);
	memcpy(got + total, iobuf_peek(&b, &n), n);
	total += n;
	ck_assert_uint_eq(total, 20004);
	ck_assert_mem_eq(got, "head", 4);
	ck_assert_mem_eq(got + 4, src, 20000);
	/* a reservation not used at all: an empty queue keeps no block */
	iobuf_drain(&b, n);
	niov = iobuf_reserve(&b, 3 * IOBUF_BLOCK, iov, 5);
	ck_assert_int_eq(niov, 3);
	iobuf_unreserve(&b, 0);
	ck_assert_ptr_null(b.head);
	ck_assert_ptr_null(b.tail);
	/* an ordinary add after a partly used reservation fills the room in order */
	niov = iobuf_reserve(&b, 2 * IOBUF_BLOCK, iov, 5);
	ck_assert_int_eq(niov, 2);
	iobuf_unreserve(&b, 5);
	ck_assert_int_eq(iobuf_add(&b, src, sizeof(src)), 0);
	ck_assert_uint_eq(iobuf_len(&b), sizeof(src));
	total = 0;
	while ((p = iobuf_peek(&b, &n)) != NULL) {
		ck_assert_mem_eq(p, src + total, n);
		total += n;
		iobuf_drain(&b, n);
	}
	ck_assert_uint_eq(total, sizeof(src));
	iobuf_clear(&b);
	iobuf_pool_drain();
}
END_TEST

/* A span that ends the source's first block and fills half of it moves with its block (the
 * bytes before it dropped from the source, the destination's earlier bytes kept in
 * order); a shorter span, one that stops short of the block's end, or no source: copied. */
START_TEST(test_iobuf_move_block_or_copy)
{
	struct iobuf src, dst;
	static char in[IOBUF_BLOCK + 50], out[IOBUF_BLOCK + 100];
	struct iovec iov[4];
	size_t avail, got = 0, n;
	const char *p;
	char *w;
	long lost;

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (char)('a' + i % 26);
	iobuf_init(&src);
	iobuf_init(&dst);
	ck_assert_int_eq(iobuf_add(&dst, "HEAD", 4), 0);
	/* a full block read in place, then 50 bytes in a second */
	w = iobuf_space(&src, 1, &avail);
	ck_assert_uint_eq(avail, IOBUF_BLOCK);
	memcpy(w, in, IOBUF_BLOCK);
	iobuf_commit(&src, IOBUF_BLOCK);
	ck_assert_int_eq(iobuf_add(&src, in + IOBUF_BLOCK, 50), 0);
	/* too short, and short of the block's end: copied, src keeps all */
	ck_assert_int_eq(iobuf_move(&dst, &src, w + 10, 20), 0);
	ck_assert_int_eq(iobuf_move(&dst, &src, w + 30, IOBUF_BLOCK - 31), 0);
	ck_assert_int_eq(iobuf_move(&dst, NULL, w + 30, 10), 0);
	ck_assert_uint_eq(iobuf_len(&src), IOBUF_BLOCK + 50);
	ck_assert_uint_eq(iobuf_len(&dst), 4 + 20 + IOBUF_BLOCK - 31 + 10);
	iobuf_clear(&dst);
	ck_assert_int_eq(iobuf_add(&dst, "HEAD", 4), 0);
	/* to the block's end: the block moves, src loses it whole (100 bytes consumed) */
	lost = iobuf_move(&dst, &src, w + 100, IOBUF_BLOCK - 100);
	ck_assert_int_eq(lost, IOBUF_BLOCK);
	ck_assert_uint_eq(iobuf_len(&src), 50);
	p = iobuf_peek(&src, &n);
	ck_assert_uint_eq(n, 50);
	ck_assert_mem_eq(p, in + IOBUF_BLOCK, 50);
	ck_assert_uint_eq(iobuf_len(&dst), 4 + IOBUF_BLOCK - 100);
	ck_assert_int_eq(iobuf_add(&dst, "TAIL", 4), 0);   /* after the moved block's bytes */
	ck_assert_int_eq(iobuf_peekv(&dst, iov, 4), 3);
	ck_assert_uint_eq(iov[1].iov_len, IOBUF_BLOCK - 100);
	ck_assert_ptr_eq(iov[1].iov_base, w + 100);          /* the very block: no copy */
	while ((p = iobuf_peek(&dst, &n)) != NULL) {
		memcpy(out + got, p, n);
		got += n;
		iobuf_drain(&dst, n);
	}
	ck_assert_uint_eq(got, 4 + IOBUF_BLOCK - 100 + 4);
	ck_assert_mem_eq(out, "HEAD", 4);
	ck_assert_mem_eq(out + 4, in + 100, IOBUF_BLOCK - 100);
	ck_assert_mem_eq(out + 4 + IOBUF_BLOCK - 100, "TAIL", 4);
	/* the last block of src, alone: moving it leaves src empty */
	p = iobuf_peek(&src, &n);
	ck_assert_int_eq(iobuf_move(&dst, &src, p, n), 0);   /* 50 bytes: copied */
	iobuf_clear(&src);
	iobuf_clear(&dst);
	w = iobuf_space(&src, 1, &avail);
	memset(w, 'x', IOBUF_BLOCK / 2);
	iobuf_commit(&src, IOBUF_BLOCK / 2);
	ck_assert_int_eq(iobuf_move(&dst, &src, w, IOBUF_BLOCK / 2), IOBUF_BLOCK / 2);
	ck_assert_ptr_null(src.head);
	ck_assert_ptr_null(src.tail);
	ck_assert_uint_eq(iobuf_len(&src), 0);
	ck_assert_int_eq(iobuf_add(&dst, "y", 1), 0);   /* into the moved block's free room */
	ck_assert_int_eq(iobuf_peekv(&dst, iov, 4), 1);
	ck_assert_uint_eq(iov[0].iov_len, IOBUF_BLOCK / 2 + 1);
	iobuf_clear(&dst);
	iobuf_pool_drain();
}
END_TEST

static Suite *
iobuf_suite(void)
{
	Suite *s = suite_create("iobuf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_iobuf_add_peek_drain_across_blocks);
	tcase_add_test(tc, test_iobuf_trim_gives_back_room_not_committed);
	tcase_add_test(tc, test_iobuf_reserve_add_in_place);
	tcase_add_test(tc, test_iobuf_move_block_or_copy);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(iobuf_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
