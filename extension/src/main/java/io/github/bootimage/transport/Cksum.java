package io.github.bootimage.transport;

/**
 * The checksum of POSIX {@code cksum}: CRC-32 with polynomial 0x04C11DB7, most significant bit first,
 * over the data followed by its length in as few bytes as it needs (least significant first), inverted.
 * The guest's coreutils computes it for every frame the agent sends, so the host checks the bytes it got.
 */
final class Cksum {
    private static final int[] TABLE = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int c = i << 24;
            for (int j = 0; j < 8; j++) {
                c = (c & 0x80000000) != 0 ? (c << 1) ^ 0x04C11DB7 : c << 1;
            }
            TABLE[i] = c;
        }
    }

    private Cksum() {
    }

    /** The value {@code cksum} prints for these bytes. */
    static long of(byte[] data) {
        int crc = 0;
        for (byte b : data) {
            crc = (crc << 8) ^ TABLE[((crc >>> 24) ^ b) & 0xff];
        }
        for (long n = data.length; n != 0; n >>>= 8) {
            crc = (crc << 8) ^ TABLE[((crc >>> 24) ^ (int) n) & 0xff];
        }
        return ~crc & 0xffffffffL;
    }
}
