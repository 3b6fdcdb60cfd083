/*
 * The board's answers compressed, without compressing them per request.
 *
 * Each team's section is compressed once, on its own, as raw deflate ended
 * by a sync flush (RFC 1951: byte-aligned, not final), so sections
 * concatenate into one valid stream, as pigz joins its blocks.  An answer
 * is then the gzip header (RFC 1952), the parts drawn for this request as
 * stored blocks, the kept sections by reference, an empty final block, and
 * a CRC-32 combined from the parts' (zlib's crc32_combine) with the
 * length.  A browser that asked for gzip gets the admin's megabytes of
 * board as a tenth of that, at the cost of one memcpy-free assembly.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <zlib.h>

#include "board_impl.h"

/* Fast: a section is compressed on the loop, once, and sent many times. */
#define GZ_LEVEL	Z_BEST_SPEED
#define STORED_MAX	65535

int
board_deflate(struct evbuffer *in, struct evbuffer *z, unsigned long *crc)
{
	size_t n = evbuffer_get_length(in), bound;
	unsigned char *src = evbuffer_pullup(in, -1);
	struct evbuffer_iovec v;
	z_stream zs;
	int r;

	memset(&zs, 0, sizeof(zs));
	if (n > UINT_MAX / 2 || deflateInit2(&zs, GZ_LEVEL, Z_DEFLATED, -15, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	/* The bound is for a finished stream; a sync flush adds 5 bytes. */
	bound = deflateBound(&zs, (uLong)n) + 64;
	if (evbuffer_reserve_space(z, (ev_ssize_t)bound, &v, 1) < 1) {
		deflateEnd(&zs);
		return -1;
	}
	zs.next_in = src;
	zs.avail_in = (uInt)n;
	zs.next_out = v.iov_base;
	zs.avail_out = (uInt)(v.iov_len < UINT_MAX ? v.iov_len : UINT_MAX);
	r = deflate(&zs, Z_SYNC_FLUSH);
	if (r != Z_OK || zs.avail_in != 0 || zs.avail_out == 0) {
		deflateEnd(&zs);
		return -1;
	}
	v.iov_len = zs.total_out;
	evbuffer_commit_space(z, &v, 1);
	deflateEnd(&zs);
	*crc = crc32(crc32(0L, Z_NULL, 0), src, (uInt)n);
	return 0;
}

void
board_gz_start(struct board_gz *g, struct evbuffer *out)
{
	/* No name, no time, "unknown" operating system. */
	static const unsigned char head[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0,
	    0, 255 };

	g->out = out;
	g->crc = crc32(0L, Z_NULL, 0);
	g->len = 0;
	evbuffer_add(out, head, sizeof(head));
}

/* Text drawn for this request: stored blocks, as it is small. */
static void
board_gz_text(struct board_gz *g, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n > 0) {
		size_t k = n < STORED_MAX ? n : STORED_MAX;
		unsigned char h[5] = { 0, k & 0xff, k >> 8, ~k & 0xff,
		    (~k >> 8) & 0xff };

		evbuffer_add(g->out, h, sizeof(h));
		evbuffer_add(g->out, c, k);
		g->crc = crc32(g->crc, c, (uInt)k);
		g->len += k;
		c += k;
		n -= k;
	}
}

/* Move what was drawn into buf into the answer, as stored blocks. */
void
board_gz_buffer(struct board_gz *g, struct evbuffer *buf)
{
	size_t n = evbuffer_get_length(buf);

	board_gz_text(g, evbuffer_pullup(buf, -1), n);
	evbuffer_drain(buf, n);
}

/*
 * Kept text: z is its deflate (board_deflate, or parts joined), n and crc
 * the text's; shared by reference, or copied.
 */
void
board_gz_piece(struct board_gz *g, struct evbuffer *z, unsigned long crc,
    size_t n, bool by_reference)
{
	size_t zn = evbuffer_get_length(z);

	g->crc = crc32_combine(g->crc, crc, (z_off_t)n);
	g->len += n;
	if (!by_reference || evbuffer_add_buffer_reference(g->out, z) != 0)
		evbuffer_add(g->out, evbuffer_pullup(z, -1), zn);
}

void
board_gz_end(struct board_gz *g)
{
	unsigned char t[13] = { 1, 0, 0, 0xff, 0xff };	/* final, empty */

	for (int i = 0; i < 4; i++) {
		t[5 + i] = (unsigned char)(g->crc >> (8 * i));
		t[9 + i] = (unsigned char)(g->len >> (8 * i));	/* mod 2^32 */
	}
	evbuffer_add(g->out, t, sizeof(t));
}

/*
 * Whether Accept-Encoding allows gzip (RFC 9110 12.5.3): a "gzip" or
 * "x-gzip" coding, or "*", whose q is not zero.
 */
bool
board_accepts_gzip(struct evhttp_request *req)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(
	    req), "Accept-Encoding");

	while (h != NULL && *h != '\0') {
		size_t len, name;
		const char *q;

		h += strspn(h, " \t,");
		len = strcspn(h, ",");
		name = strcspn(h, "; \t");
		if (name > len)
			name = len;
		if ((name == 4 && strncasecmp(h, "gzip", 4) == 0) ||
		    (name == 6 && strncasecmp(h, "x-gzip", 6) == 0) ||
		    (name == 1 && *h == '*')) {
			q = h + name;
			q += strspn(q, " \t");
			if (*q == ';') {
				q++;
				q += strspn(q, " \t");
				if ((*q == 'q' || *q == 'Q') && q[1] == '=' &&
				    strtod(q + 2, NULL) <= 0.0)
					return false;
			}
			return true;
		}
		h += len;
	}
	return false;
}
