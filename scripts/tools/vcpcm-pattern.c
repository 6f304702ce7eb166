// SPDX-License-Identifier: GPL-2.0
/*
 * vcpcm-pattern: deterministic raw PCM test signals, and bit-exact verification of a capture.
 *
 *   vcpcm-pattern gen    -f FMT -c CH -n FRAMES [-s SEED] [--lead FRAMES] [--pad FRAMES] [-o FILE]
 *   vcpcm-pattern verify -f FMT -c CH -n FRAMES [-s SEED] [--strict-tail] CAPTURE
 *   vcpcm-pattern verify-mix -f S16_LE -c CH -n FRAMES -s SEED --seed2 SEED2 CAPTURE
 *   vcpcm-pattern split  -f FMT -c CH -o PREFIX INPUT      (PREFIX.0 .. PREFIX.<CH-1>)
 *   vcpcm-pattern join   -f FMT -c CH -o OUTPUT IN0 .. IN<CH-1>
 *   vcpcm-pattern tone   -f FMT -c CH -n FRAMES -r RATE [--freq HZ] [--amp 0..1] [-o FILE]
 *   vcpcm-pattern level  -f S16_LE|S32_LE -c CH CAPTURE
 *
 * level: prints "rms_dbfs=X nonsilent_frames=N" for a raw capture, from its first to its
 * last non-silent frame (so leading and trailing silence do not count).
 *
 * FMT: S16_LE S32_LE U8 S24_LE (24 bits in 4 bytes) FLOAT_LE. Samples are written little-endian
 * whatever the host. No pattern sample is ever the silence value (0, or 0x80 for U8), so the
 * first non-silent frame of a capture is the first frame of the pattern.
 * verify: the capture must hold only silent frames, then the FRAMES pattern frames bit-exact.
 * It prints one line, "PASS ..." or "FAIL ...", and exits 0 (pass), 1 (mismatch) or 2 (error).
 * verify-mix: the capture of two patterns played at once through a mixer (dmix), each
 * starting at an unknown frame: after leading silence it must equal, sample by sample, the
 * saturated sum of both patterns at the offsets that explain its start, then silence.
 * split/join: one raw file per channel (aplay -I / arecord -I) and back.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum fmt { S16_LE, S32_LE, U8, S24_LE, FLOAT_LE };
static const struct {
	const char *name;
	unsigned int bytes;
} fmts[] = {
	[S16_LE] = { "S16_LE", 2 }, [S32_LE] = { "S32_LE", 4 }, [U8] = { "U8", 1 },
	[S24_LE] = { "S24_LE", 4 }, [FLOAT_LE] = { "FLOAT_LE", 4 },
};

static enum fmt fmt = S16_LE;
static unsigned int channels = 2, bps = 2, fsize = 4;

static void usage(void)
{
	fprintf(stderr,
		"usage: vcpcm-pattern gen    -f FMT -c CH -n FRAMES [-s SEED] [--lead FRAMES] [--pad FRAMES] [-o FILE]\n"
		"       vcpcm-pattern verify -f FMT -c CH -n FRAMES [-s SEED] [--strict-tail] CAPTURE\n"
		"       vcpcm-pattern verify-mix -f S16_LE -c CH -n FRAMES -s SEED --seed2 SEED2 CAPTURE\n"
		"       vcpcm-pattern split  -f FMT -c CH -o PREFIX INPUT\n"
		"       vcpcm-pattern join   -f FMT -c CH -o OUTPUT IN0 .. IN<CH-1>\n"
		"       vcpcm-pattern tone   -f FMT -c CH -n FRAMES -r RATE [--freq HZ] [--amp A] [-o FILE]\n"
		"FMT: S16_LE S32_LE U8 S24_LE FLOAT_LE\n");
	exit(2);
}

static void fail_io(const char *what)
{
	fprintf(stderr, "vcpcm-pattern: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* splitmix64: tiny, fast, and the same on every platform. */
static uint64_t rng_state;
static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void put_le(uint8_t *p, uint32_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint8_t silence_byte(void)
{
	return fmt == U8 ? 0x80 : 0x00;
}

/* One pattern sample, never equal to silence. */
static void pattern_sample(uint8_t *p)
{
	uint64_t r = rng_next();
	uint32_t v;
	float f;

	switch (fmt) {
	case S16_LE:
		v = (uint16_t)r;
		if (!v)
			v = 1;
		put_le(p, v, 2);
		break;
	case S32_LE:
		v = (uint32_t)r;
		if (!v)
			v = 1;
		put_le(p, v, 4);
		break;
	case U8:
		v = (uint8_t)r;
		if (v == 0x80)
			v = 0x81;
		p[0] = (uint8_t)v;
		break;
	case S24_LE:
		v = (uint32_t)r & 0xffffff;
		if (!v)
			v = 1;
		if (v & 0x800000)
			v |= 0xff000000; /* a valid S24_LE sample is sign-extended */
		put_le(p, v, 4);
		break;
	case FLOAT_LE:
		f = (float)((double)(r >> 40) / (double)(1 << 24) * 2.0 - 1.0);
		if (f == 0.0f)
			f = 0.5f;
		memcpy(&v, &f, 4);
		put_le(p, v, 4);
		break;
	}
}

static uint8_t *pattern(unsigned long frames, uint64_t seed)
{
	uint8_t *buf = malloc(frames * fsize + 1);

	if (!buf)
		fail_io("malloc");
	rng_state = seed;
	for (unsigned long i = 0; i < frames * channels; i++)
		pattern_sample(buf + i * bps);
	return buf;
}

static void tone_sample(uint8_t *p, double x)
{
	float f = (float)x;
	uint32_t v;

	switch (fmt) {
	case S16_LE:
		put_le(p, (uint32_t)(int32_t)lrint(x * 32767.0), 2);
		break;
	case S32_LE:
		put_le(p, (uint32_t)(int32_t)lrint(x * 2147483647.0), 4);
		break;
	case U8:
		p[0] = (uint8_t)(128 + lrint(x * 127.0));
		break;
	case S24_LE:
		put_le(p, (uint32_t)(int32_t)lrint(x * 8388607.0), 4);
		break;
	case FLOAT_LE:
		memcpy(&v, &f, 4);
		put_le(p, v, 4);
		break;
	}
}

static int frame_is_silent(const uint8_t *p)
{
	uint8_t s = silence_byte();

	for (unsigned int i = 0; i < fsize; i++)
		if (p[i] != s)
			return 0;
	return 1;
}

static void write_all(FILE *out, const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, out) != n)
		fail_io("write");
}

static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *in = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t cap = 1 << 20, n = 0, r;
	uint8_t *buf = malloc(cap);

	if (!in)
		fail_io(path);
	if (!buf)
		fail_io("malloc");
	while ((r = fread(buf + n, 1, cap - n, in)) > 0) {
		n += r;
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				fail_io("realloc");
		}
	}
	if (ferror(in))
		fail_io(path);
	*len = n;
	return buf;
}

/* Frames of `a` (n frames) and `b` (n frames) equal? */
static int frames_equal(const uint8_t *a, const uint8_t *b, unsigned long n)
{
	return !memcmp(a, b, n * fsize);
}

/*
 * After a mismatch at pattern frame i (capture frame lead+i): did the stream lose frames
 * (pattern[i+k..] continues at capture lead+i) or gain some (pattern[i..] appears k later)?
 */
static void explain(const uint8_t *pat, unsigned long n, const uint8_t *cap, unsigned long cframes,
		    unsigned long lead, unsigned long i)
{
	const unsigned long win = 16, maxd = 1 << 17;
	unsigned long k, ci = lead + i;

	for (k = 1; k <= maxd && i + k + win <= n && ci + win <= cframes; k++)
		if (frames_equal(pat + (i + k) * fsize, cap + ci * fsize, win)) {
			printf(" resync=lost_%lu_frames", k);
			return;
		}
	for (k = 1; k <= maxd && i + win <= n && ci + k + win <= cframes; k++)
		if (frames_equal(pat + i * fsize, cap + (ci + k) * fsize, win)) {
			printf(" resync=gained_%lu_frames", k);
			return;
		}
	printf(" resync=none");
}

static int verify(const char *path, unsigned long n, uint64_t seed, int strict_tail)
{
	size_t len;
	uint8_t *cap = read_all(path, &len), *pat = pattern(n, seed);
	unsigned long cframes = len / fsize, lead = 0, i, avail, mism = 0, tail = 0, first = n;

	while (lead < cframes && frame_is_silent(cap + lead * fsize))
		lead++;
	avail = cframes - lead;
	for (i = 0; i < n && i < avail; i++)
		if (memcmp(pat + i * fsize, cap + (lead + i) * fsize, fsize)) {
			if (first == n)
				first = i;
			mism++;
		}
	for (i = lead + n; i < cframes; i++)
		tail += !frame_is_silent(cap + i * fsize);

	int ok = lead < cframes && avail >= n && mism == 0 && (!strict_tail || tail == 0);

	printf("%s format=%s channels=%u pattern_frames=%lu capture_frames=%lu lead_silence=%lu "
	       "compared=%lu mismatched_frames=%lu first_mismatch=",
	       ok ? "PASS" : "FAIL", fmts[fmt].name, channels, n, cframes, lead,
	       avail < n ? avail : n, mism);
	if (first < n)
		printf("%lu", first);
	else
		printf("none");
	printf(" tail_nonsilent=%lu", tail);
	if (lead == cframes)
		printf(" reason=no_signal");
	else if (avail < n)
		printf(" reason=short_capture(missing_%lu_frames)", n - avail);
	else if (!mism && strict_tail && tail)
		printf(" reason=nonsilent_tail");
	if (first < n && lead < cframes) {
		unsigned int off = 0;

		while (off < fsize && pat[first * fsize + off] == cap[(lead + first) * fsize + off])
			off++;
		printf(" first_bad_byte=%u", off);
		explain(pat, n, cap, cframes, lead, first);
	}
	if (len % fsize)
		printf(" partial_trailing_bytes=%zu", len % fsize);
	printf("\n");
	free(cap);
	free(pat);
	return ok ? 0 : 1;
}

static int sample_s16(const uint8_t *p)
{
	return (int16_t)(p[0] | p[1] << 8);
}

/* Pattern sample k of frame i of a pattern that starts at capture frame start (0 outside). */
static int pattern_at(const uint8_t *pat, unsigned long n, long start, unsigned long t, unsigned int k)
{
	long i = (long)t - start;

	return i < 0 || i >= (long)n ? 0 : sample_s16(pat + (unsigned long)i * fsize + k * 2);
}

/* Capture frames from `from` that differ from the saturated sum with x at tx and y at ty. */
static unsigned long mix_mismatches(const uint8_t *cap, unsigned long cframes, unsigned long from,
				    const uint8_t *x, long tx, const uint8_t *y, long ty,
				    unsigned long n, unsigned long *first)
{
	unsigned long t, bad = 0;

	*first = cframes;
	for (t = from; t < cframes; t++) {
		for (unsigned int k = 0; k < channels; k++) {
			int sum = pattern_at(x, n, tx, t, k) + pattern_at(y, n, ty, t, k);

			sum = sum > 32767 ? 32767 : sum < -32768 ? -32768 : sum;
			if (sample_s16(cap + t * fsize + k * 2) != sum) {
				if (*first == cframes)
					*first = t;
				bad++;
				break;
			}
		}
	}
	return bad;
}

static int verify_mix(const char *path, unsigned long n, uint64_t seed_a, uint64_t seed_b)
{
	size_t len;
	uint8_t *cap = read_all(path, &len), *pa = pattern(n, seed_a), *pb = pattern(n, seed_b);
	unsigned long cframes = len / fsize, t0 = 0, best = cframes + 1, first = 0;
	long best_x = 0, best_y = 0;
	int a_first_best = 1;

	if (fmt != S16_LE)
		usage();
	while (t0 < cframes && frame_is_silent(cap + t0 * fsize))
		t0++;
	/*
	 * Whichever pattern starts first is alone until the other starts: the
	 * first frame that differs from it alone is where the other began (or
	 * up to two frames earlier, if saturation hid the sum).
	 */
	for (int a_first = 1; a_first >= 0 && best; a_first--) {
		const uint8_t *x = a_first ? pa : pb, *y = a_first ? pb : pa;
		unsigned long ty, f;

		mix_mismatches(cap, cframes, t0, x, (long)t0, y, (long)cframes + 1, n, &ty);
		for (unsigned long c = ty >= t0 + 2 ? ty - 2 : t0; c <= ty && c < cframes && best; c++) {
			unsigned long bad = mix_mismatches(cap, cframes, t0, x, (long)t0, y, (long)c, n, &f);

			if (bad < best) {
				best = bad;
				first = f;
				best_x = (long)t0;
				best_y = (long)c;
				a_first_best = a_first;
			}
		}
	}
	long ta = a_first_best ? best_x : best_y, tb = a_first_best ? best_y : best_x;
	int complete = t0 < cframes && (unsigned long)ta + n <= cframes && (unsigned long)tb + n <= cframes;
	int ok = complete && best == 0;

	printf("%s verify-mix channels=%u pattern_frames=%lu capture_frames=%lu start_a=%ld start_b=%ld "
	       "mismatched_frames=%lu", ok ? "PASS" : "FAIL", channels, n, cframes, ta, tb,
	       best > cframes ? cframes : best);
	if (t0 == cframes)
		printf(" reason=no_signal");
	else if (!complete)
		printf(" reason=short_capture");
	else if (best)
		printf(" first_mismatch=%lu", first);
	printf("\n");
	free(cap);
	free(pa);
	free(pb);
	return ok ? 0 : 1;
}

/* One file per channel, as aplay -I / arecord -I use them. */
static int split(const char *in_path, const char *prefix)
{
	size_t len;
	uint8_t *in = read_all(in_path, &len);
	char name[4096];

	for (unsigned int k = 0; k < channels; k++) {
		FILE *out;

		snprintf(name, sizeof(name), "%s.%u", prefix, k);
		out = fopen(name, "wb");
		if (!out)
			fail_io(name);
		for (size_t f = 0; f + fsize <= len; f += fsize)
			write_all(out, in + f + k * bps, bps);
		if (fclose(out))
			fail_io(name);
	}
	free(in);
	return 0;
}

static int join(char **in_paths, FILE *out)
{
	uint8_t **in = calloc(channels, sizeof(*in));
	size_t len, frames = (size_t)-1;

	if (!in)
		fail_io("malloc");
	for (unsigned int k = 0; k < channels; k++) {
		in[k] = read_all(in_paths[k], &len);
		if (len / bps < frames)
			frames = len / bps;	/* the shortest channel decides */
	}
	for (size_t f = 0; f < frames; f++)
		for (unsigned int k = 0; k < channels; k++)
			write_all(out, in[k] + f * bps, bps);
	for (unsigned int k = 0; k < channels; k++)
		free(in[k]);
	free(in);
	return 0;
}

static int level(const char *path)
{
	FILE *f = fopen(path, "rb");
	long first = -1, last = -1, n = 0, i;
	double sum = 0, full = fmt == S16_LE ? 32768.0 : 2147483648.0;
	unsigned char *buf;
	long size;

	if (!f || (fmt != S16_LE && fmt != S32_LE))
		return 2;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(size ? size : 1);
	if (!buf || fread(buf, 1, size, f) != (size_t)size)
		return 2;
	fclose(f);
	n = size / bps;
	for (i = 0; i < n; i++) {
		long v = fmt == S16_LE ? (int16_t)(buf[2 * i] | buf[2 * i + 1] << 8)
				       : (int32_t)(buf[4 * i] | buf[4 * i + 1] << 8 | buf[4 * i + 2] << 16 |
						   (uint32_t)buf[4 * i + 3] << 24);
		if (v) {
			if (first < 0)
				first = i;
			last = i;
		}
	}
	for (i = first; first >= 0 && i <= last; i++) {
		double v = fmt == S16_LE ? (int16_t)(buf[2 * i] | buf[2 * i + 1] << 8)
					 : (int32_t)(buf[4 * i] | buf[4 * i + 1] << 8 | buf[4 * i + 2] << 16 |
						     (uint32_t)buf[4 * i + 3] << 24);
		sum += (v / full) * (v / full);
	}
	free(buf);
	if (first < 0) {
		printf("rms_dbfs=-inf nonsilent_frames=0\n");
		return 0;
	}
	printf("rms_dbfs=%.3f nonsilent_frames=%ld\n", 10 * log10(sum / (last - first + 1)),
	       (last - first + 1) / (long)channels);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' }, { "channels", required_argument, NULL, 'c' },
		{ "frames", required_argument, NULL, 'n' }, { "seed", required_argument, NULL, 's' },
		{ "rate", required_argument, NULL, 'r' },   { "output", required_argument, NULL, 'o' },
		{ "pad", required_argument, NULL, 'p' },    { "freq", required_argument, NULL, 'F' },
		{ "amp", required_argument, NULL, 'a' },    { "strict-tail", no_argument, NULL, 't' },
		{ "lead", required_argument, NULL, 'l' },   { "seed2", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },         { NULL, 0, NULL, 0 },
	};
	unsigned long frames = 48000, pad = 0, lead = 0, rate = 48000;
	uint64_t seed = 1, seed2 = 2;
	double freq = 1000.0, amp = 0.5;
	const char *outpath = NULL, *mode;
	int strict_tail = 0, c;
	FILE *out = stdout;

	if (argc < 2)
		usage();
	mode = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "f:c:n:s:r:o:p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': {
			unsigned int i;

			for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++)
				if (!strcmp(optarg, fmts[i].name))
					break;
			if (i == sizeof(fmts) / sizeof(fmts[0])) {
				fprintf(stderr, "vcpcm-pattern: unknown format %s\n", optarg);
				usage();
			}
			fmt = (enum fmt)i;
			break;
		}
		case 'c': channels = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'n': frames = strtoul(optarg, NULL, 0); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'r': rate = strtoul(optarg, NULL, 0); break;
		case 'o': outpath = optarg; break;
		case 'p': pad = strtoul(optarg, NULL, 0); break;
		case 'F': freq = strtod(optarg, NULL); break;
		case 'a': amp = strtod(optarg, NULL); break;
		case 't': strict_tail = 1; break;
		case 'l': lead = strtoul(optarg, NULL, 0); break;
		case 'S': seed2 = strtoull(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (!channels || channels > 64 || !frames || !rate || amp < 0 || amp > 1)
		usage();
	bps = fmts[fmt].bytes;
	fsize = bps * channels;

	if (!strcmp(mode, "level")) {
		if (optind != argc - 1)
			usage();
		return level(argv[optind]);
	}
	if (!strcmp(mode, "verify")) {
		if (optind != argc - 1)
			usage();
		return verify(argv[optind], frames, seed, strict_tail);
	}
	if (!strcmp(mode, "verify-mix")) {
		if (optind != argc - 1)
			usage();
		return verify_mix(argv[optind], frames, seed, seed2);
	}
	if (!strcmp(mode, "split")) {
		if (optind != argc - 1 || !outpath)
			usage();
		return split(argv[optind], outpath);
	}
	if (!strcmp(mode, "join")) {
		if (argc - optind != (int)channels || !outpath)
			usage();
		if (!(out = fopen(outpath, "wb")))
			fail_io(outpath);
		join(argv + optind, out);
		if (fclose(out))
			fail_io(outpath);
		return 0;
	}
	if (optind != argc)
		usage();
	if (outpath && !(out = fopen(outpath, "wb")))
		fail_io(outpath);

	if (!strcmp(mode, "gen")) {
		uint8_t *buf = pattern(frames, seed);
		uint8_t *z = calloc(lead ? lead : 1, fsize);

		if (!z)
			fail_io("malloc");
		memset(z, silence_byte(), lead * fsize);
		write_all(out, z, lead * fsize);
		free(z);

		write_all(out, buf, frames * fsize);
		free(buf);
	} else if (!strcmp(mode, "tone")) {
		uint8_t *frame = malloc(fsize);

		if (!frame)
			fail_io("malloc");
		for (unsigned long i = 0; i < frames; i++) {
			double x = amp * sin(2.0 * M_PI * freq * (double)i / (double)rate);

			for (unsigned int ch = 0; ch < channels; ch++)
				tone_sample(frame + ch * bps, x);
			write_all(out, frame, fsize);
		}
		free(frame);
	} else {
		usage();
	}
	if (pad) {
		uint8_t *z = malloc(pad * fsize);

		if (!z)
			fail_io("malloc");
		memset(z, silence_byte(), pad * fsize);
		write_all(out, z, pad * fsize);
		free(z);
	}
	if (fflush(out) || (out != stdout && fclose(out)))
		fail_io("write");
	return 0;
}
