//! A tiled, pyramidal TIFF writer for the synthetic whole slides (the layout OpenSlide reads as
//! "generic tiled TIFF": level 0 first, then reduced-resolution levels, each tiled).
//!
//! Written by hand because the `tiff` crate's encoder writes strips only (no tiles, no
//! pyramids). Format: little-endian classic TIFF, 8-bit RGB, chunky, Adobe Deflate (zlib)
//! compression with horizontal differencing (Predictor 2), square tiles padded with white at
//! the right and bottom edges; each level halves the previous one (2x2 box mean) until it fits
//! in one tile. Level 0 has NewSubfileType 0, reduced levels 1.

use image::RgbImage;

const SHORT: u16 = 3;
const LONG: u16 = 4;

/// Halve an image with a 2x2 box mean (odd trailing rows/columns are averaged with themselves).
pub fn downsample2(img: &RgbImage) -> RgbImage {
    let (w, h) = (img.width(), img.height());
    let (nw, nh) = (w.div_ceil(2).max(1), h.div_ceil(2).max(1));
    RgbImage::from_fn(nw, nh, |x, y| {
        let (x0, y0) = (2 * x, 2 * y);
        let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
        let mut out = [0u8; 3];
        for (c, o) in out.iter_mut().enumerate() {
            let s = img.get_pixel(x0, y0).0[c] as u32 + img.get_pixel(x1, y0).0[c] as u32 + img.get_pixel(x0, y1).0[c] as u32 + img.get_pixel(x1, y1).0[c] as u32;
            *o = ((s + 2) / 4) as u8;
        }
        image::Rgb(out)
    })
}

fn tile_bytes(img: &RgbImage, tx: u32, ty: u32, tile: u32) -> Vec<u8> {
    let mut raw = vec![255u8; (tile * tile * 3) as usize];
    let (w, h) = (img.width(), img.height());
    let src: &[u8] = img.as_raw();
    for r in 0..tile {
        let y = ty * tile + r;
        if y >= h {
            break;
        }
        let x0 = tx * tile;
        let n = tile.min(w - x0) as usize;
        let s = ((y * w + x0) * 3) as usize;
        let d = (r * tile * 3) as usize;
        raw[d..d + 3 * n].copy_from_slice(&src[s..s + 3 * n]);
    }
    // Predictor 2: each sample minus the same sample of the previous pixel in the tile row.
    for r in 0..tile as usize {
        let row = &mut raw[r * tile as usize * 3..(r + 1) * tile as usize * 3];
        for i in (3..row.len()).rev() {
            row[i] = row[i].wrapping_sub(row[i - 3]);
        }
    }
    // fdeflate writes a zlib stream (what TIFF's Adobe Deflate holds), several times faster
    // than miniz at a similar ratio on predicted image data.
    fdeflate::compress_to_vec(&raw)
}

/// Encode `img` as a tiled pyramidal TIFF with `tile` x `tile` tiles (a multiple of 16).
pub fn encode_pyramid(img: &RgbImage, tile: u32) -> Vec<u8> {
    let mut levels = vec![img.clone()];
    while levels.last().is_some_and(|l| l.width().max(l.height()) > tile) {
        let next = downsample2(levels.last().unwrap_or(img));
        levels.push(next);
    }
    let mut out: Vec<u8> = b"II*\0\0\0\0\0".to_vec();
    // Tile data of every level first, then the IFDs.
    let mut tile_info: Vec<(Vec<u32>, Vec<u32>)> = Vec::new();
    for l in &levels {
        let (nx, ny) = (l.width().div_ceil(tile), l.height().div_ceil(tile));
        let (mut offs, mut counts) = (Vec::new(), Vec::new());
        for ty in 0..ny {
            for tx in 0..nx {
                let b = tile_bytes(l, tx, ty, tile);
                offs.push(out.len() as u32);
                counts.push(b.len() as u32);
                out.extend_from_slice(&b);
                if out.len() % 2 == 1 {
                    out.push(0);
                }
            }
        }
        tile_info.push((offs, counts));
    }
    let mut prev_next_ptr = 4usize; // where to patch the offset of the next IFD
    for (k, l) in levels.iter().enumerate() {
        if out.len() % 2 == 1 {
            out.push(0);
        }
        let ifd_at = out.len() as u32;
        out[prev_next_ptr..prev_next_ptr + 4].copy_from_slice(&ifd_at.to_le_bytes());
        let (offs, counts) = &tile_info[k];
        let n_entries = 14u16;
        let ifd_len = 2 + 12 * n_entries as usize + 4;
        // Out-of-line values follow the IFD: BitsPerSample, TileOffsets, TileByteCounts.
        let extra_at = ifd_at as usize + ifd_len;
        let bps_at = extra_at as u32;
        let offs_at = bps_at + 8; // BitsPerSample is 3 SHORTs (6 bytes), padded to 8 so the LONG arrays stay word-aligned
        let counts_at = offs_at + 4 * offs.len() as u32;
        let many = offs.len() > 1;
        let mut e: Vec<(u16, u16, u32, u32)> = vec![
            (254, LONG, 1, u32::from(k > 0)),
            (256, LONG, 1, l.width()),
            (257, LONG, 1, l.height()),
            (258, SHORT, 3, bps_at),
            (259, SHORT, 1, 8),
            (262, SHORT, 1, 2),
            (277, SHORT, 1, 3),
            (284, SHORT, 1, 1),
            (317, SHORT, 1, 2),
            (322, LONG, 1, tile),
            (323, LONG, 1, tile),
            (324, LONG, offs.len() as u32, if many { offs_at } else { offs[0] }),
            (325, LONG, counts.len() as u32, if many { counts_at } else { counts[0] }),
            (339, SHORT, 1, 1),
        ];
        e.sort_by_key(|t| t.0);
        out.extend_from_slice(&n_entries.to_le_bytes());
        for (tag, ty, count, val) in e {
            out.extend_from_slice(&tag.to_le_bytes());
            out.extend_from_slice(&ty.to_le_bytes());
            out.extend_from_slice(&count.to_le_bytes());
            if ty == SHORT && count == 1 {
                out.extend_from_slice(&(val as u16).to_le_bytes());
                out.extend_from_slice(&[0, 0]);
            } else {
                out.extend_from_slice(&val.to_le_bytes());
            }
        }
        prev_next_ptr = out.len();
        out.extend_from_slice(&0u32.to_le_bytes());
        debug_assert_eq!(out.len(), extra_at);
        for v in [8u16, 8, 8] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&[0, 0]);
        debug_assert_eq!(out.len() as u32, offs_at);
        if many {
            for v in offs {
                out.extend_from_slice(&v.to_le_bytes());
            }
            for v in counts {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u16at(b: &[u8], o: usize) -> u16 {
        u16::from_le_bytes([b[o], b[o + 1]])
    }
    fn u32at(b: &[u8], o: usize) -> u32 {
        u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]])
    }

    /// (width, height, tile count) of every IFD, by walking the file.
    fn levels(b: &[u8]) -> Vec<(u32, u32, u32)> {
        let mut out = Vec::new();
        let mut at = u32at(b, 4) as usize;
        while at != 0 {
            let n = u16at(b, at) as usize;
            let (mut w, mut h, mut tiles) = (0, 0, 0);
            for k in 0..n {
                let e = at + 2 + 12 * k;
                match u16at(b, e) {
                    256 => w = u32at(b, e + 8),
                    257 => h = u32at(b, e + 8),
                    324 => tiles = u32at(b, e + 4),
                    _ => {}
                }
            }
            out.push((w, h, tiles));
            at = u32at(b, at + 2 + 12 * n) as usize;
        }
        out
    }

    #[test]
    fn pyramid_levels_and_level0_pixels() {
        let img = RgbImage::from_fn(300, 200, |x, y| image::Rgb([(x % 256) as u8, (y * 3 % 256) as u8, ((x * y) % 251) as u8]));
        let bytes = encode_pyramid(&img, 128);
        // 300x200 -> 150x100 -> (fits one 128 tile? no: 150 > 128) 75x50.
        assert_eq!(levels(&bytes), vec![(300, 200, 6), (150, 100, 2), (75, 50, 1)]);
        // The image crate (tiff decoder) reads level 0 back exactly.
        let back = image::load_from_memory_with_format(&bytes, image::ImageFormat::Tiff).unwrap().into_rgb8();
        assert_eq!(back, img);
    }

    #[test]
    fn downsample_box_mean() {
        let img = RgbImage::from_fn(3, 2, |x, y| image::Rgb([(10 * x + 100 * y) as u8, 0, 255]));
        let d = downsample2(&img);
        assert_eq!((d.width(), d.height()), (2, 1));
        // (0 + 10 + 100 + 110) / 4 = 55; last column averages with itself: (20 + 20 + 120 + 120) / 4 = 70.
        assert_eq!(d.get_pixel(0, 0).0, [55, 0, 255]);
        assert_eq!(d.get_pixel(1, 0).0, [70, 0, 255]);
    }
}
