/* png.h — a minimal PNG encoder for 8-bit RGB images (the SVG figures' heat
 * maps), with the CRC-32 and Adler-32 checksums it needs.
 * ref: PNG specification (ISO/IEC 15948); RFC 1950 (zlib); RFC 1951 (deflate).
 * The deflate stream is one block with the fixed Huffman code whose only
 * back-references are at distance 1 (a byte run, e.g. a row filtered "Up"
 * against its copy) and 3 (a repeated RGB pixel): the images it is made for
 * are cells replicated into blocks, where runs are the only redundancy. */
#ifndef VX_AUDIO_PNG_H
#define VX_AUDIO_PNG_H

#include <stddef.h>
#include <stdint.h>

/* Filtered scanlines raw [height, 1 + 3 width] (each a filter-type byte, then
 * RGB triples) -> a malloc'd PNG file of *len bytes. NULL with the error set
 * when width or height is not positive or memory runs out. */
uint8_t *vx_png_encode_rgb(const uint8_t *raw, int width, int height, size_t *len);

/* CRC-32 (ISO 3309 / ITU-T V.42, as zlib.crc32) of p [n]. */
uint32_t vx_crc32(const uint8_t *p, size_t n);

/* Adler-32 (RFC 1950, as zlib.adler32) of p [n]. */
uint32_t vx_adler32(const uint8_t *p, size_t n);

#endif
