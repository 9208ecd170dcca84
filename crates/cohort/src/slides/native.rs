//! Native slide readers: tiled (pyramidal) or striped TIFF read chunk by chunk with the `tiff`
//! crate, so a region costs only the tiles it touches, and PNG/JPEG (or any other format of the
//! `image` crate) decoded whole into memory.
//!
//! TIFF pyramid levels follow OpenSlide's `generic-tiff` rule: when the first image is tiled,
//! every tiled image of the file with the same aspect ratio (within 2 %) is a level, sorted by
//! width; otherwise the first image is the only level. Downsample = mean of the width and height
//! ratios to level 0, as OpenSlide computes it.

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use image::RgbImage;
use tiff::ColorType;
use tiff::decoder::{Decoder, DecodingResult};
use tiff::tags::Tag;

use super::{LevelInfo, SlideInfo};
use crate::error::{CohortError, Result};

/// Decoded tiles kept per slide (256x256 RGB tiles: 192 KiB each, so about 100 MiB).
const CACHE_TILES: usize = 512;

#[derive(Debug, Clone)]
struct TiffLevel {
    ifd: usize,
    width: u32,
    height: u32,
    chunk_w: u32,
    chunk_h: u32,
    channels: usize,
}

struct State {
    dec: Decoder<BufReader<File>>,
    current: usize,
    cache: HashMap<(usize, u32), Arc<Vec<u8>>>,
    order: VecDeque<(usize, u32)>,
}

/// A TIFF slide read region by region.
pub struct TiffSlide {
    path: PathBuf,
    levels: Vec<TiffLevel>,
    state: Mutex<State>,
    pub(crate) info: SlideInfo,
    /// ImageDescription of the first image (vendor detection).
    pub description: Option<String>,
}

fn terr(path: &Path, e: impl std::fmt::Display) -> CohortError {
    CohortError::slide(path, format!("cannot read TIFF: {e}"))
}

fn channels(path: &Path, c: ColorType) -> Result<usize> {
    match c {
        ColorType::Gray(8) => Ok(1),
        ColorType::RGB(8) => Ok(3),
        ColorType::RGBA(8) => Ok(4),
        other => Err(CohortError::slide(
            path,
            format!("unsupported TIFF sample format {other:?} (8-bit grey, RGB or RGBA are read natively); convert the slide, or open it through OpenSlide with --reader openslide"),
        )),
    }
}

impl TiffSlide {
    pub fn open(path: &Path) -> Result<TiffSlide> {
        let f = File::open(path).map_err(|e| CohortError::io(path, e))?;
        let mut dec = Decoder::new(BufReader::new(f)).map_err(|e| terr(path, e))?;
        let mut ifds = Vec::new();
        let mut description = None;
        let mut idx = 0usize;
        loop {
            let (w, h) = dec.dimensions().map_err(|e| terr(path, e))?;
            let tiled = matches!(dec.get_chunk_type(), tiff::decoder::ChunkType::Tile);
            let (cw, ch) = dec.chunk_dimensions();
            let color = dec.colortype().map_err(|e| terr(path, e));
            // The chunk offsets must cover the declared size: this catches corrupted
            // dimensions before any buffer is sized from them.
            let tag = if tiled { Tag::TileOffsets } else { Tag::StripOffsets };
            let n_offsets = dec.find_tag_unsigned_vec::<u64>(tag).map_err(|e| terr(path, e))?.map_or(0, |v| v.len() as u64);
            let expected = (w as u64).div_ceil(cw.max(1) as u64) * (h as u64).div_ceil(ch.max(1) as u64);
            let planes = if dec.find_tag_unsigned::<u16>(Tag::PlanarConfiguration).ok().flatten() == Some(2) { 3 } else { 1 };
            // Chunks are decoded whole: the tiff crate's default limits (256 MiB buffers) apply,
            // and a chunk over 64 Mpx (a corrupt tile size, or a one-strip giant) is refused.
            if (cw as u64) * (ch as u64) > (1 << 26) {
                return Err(CohortError::slide(path, format!("TIFF image {idx} has {cw} x {ch} chunks (too large to read region by region); convert it to a tiled TIFF")));
            }
            if w == 0 || h == 0 || n_offsets != expected * planes {
                return Err(CohortError::slide(
                    path,
                    format!("corrupt TIFF: image {idx} is {w} x {h} in {cw} x {ch} chunks ({expected} expected) but has {n_offsets} chunk offsets"),
                ));
            }
            if idx == 0 {
                description = dec.get_tag_ascii_string(Tag::ImageDescription).ok();
            }
            ifds.push((idx, w, h, tiled, cw, ch, color));
            if !dec.more_images() {
                break;
            }
            dec.next_image().map_err(|e| terr(path, e))?;
            idx += 1;
        }
        let (w0, h0, tiled0) = (ifds[0].1, ifds[0].2, ifds[0].3);
        let mut levels = Vec::new();
        for (i, w, h, tiled, cw, ch, color) in ifds {
            let same_aspect = ((w as f64 / h.max(1) as f64) / (w0 as f64 / h0.max(1) as f64) - 1.0).abs() < 0.02;
            let keep = i == 0 || (tiled0 && tiled && same_aspect && w < w0);
            if !keep {
                continue;
            }
            let channels = channels(path, color?)?;
            levels.push(TiffLevel { ifd: i, width: w, height: h, chunk_w: cw.max(1), chunk_h: ch.max(1), channels });
        }
        levels.sort_by_key(|l| std::cmp::Reverse(l.width));
        let info = SlideInfo {
            levels: levels
                .iter()
                .map(|l| LevelInfo {
                    width: l.width as u64,
                    height: l.height as u64,
                    downsample: (w0 as f64 / l.width as f64 + h0 as f64 / l.height as f64) / 2.0,
                })
                .collect(),
            objective_power: description.as_deref().and_then(|d| aperio_field(d, "AppMag")),
            mpp_x: description.as_deref().and_then(|d| aperio_field(d, "MPP")),
            vendor: if description.as_deref().is_some_and(|d| d.starts_with("Aperio")) { "aperio".into() } else { "generic-tiff".into() },
            reader: "native-tiff",
        };
        dec.seek_to_image(0).map_err(|e| terr(path, e))?;
        Ok(TiffSlide {
            path: path.to_path_buf(),
            levels,
            state: Mutex::new(State { dec, current: 0, cache: HashMap::new(), order: VecDeque::new() }),
            info,
            description,
        })
    }

    /// Decoded chunk `index` of `level` as packed RGB, with its data width and height.
    fn chunk(&self, st: &mut State, level: usize, index: u32) -> Result<Arc<Vec<u8>>> {
        if let Some(c) = st.cache.get(&(level, index)) {
            return Ok(c.clone());
        }
        let lv = &self.levels[level];
        if st.current != lv.ifd {
            st.dec.seek_to_image(lv.ifd).map_err(|e| terr(&self.path, e))?;
            st.current = lv.ifd;
        }
        let (dw, dh) = st.dec.chunk_data_dimensions(index);
        let raw = match st.dec.read_chunk(index).map_err(|e| terr(&self.path, e))? {
            DecodingResult::U8(v) => v,
            _ => return Err(CohortError::slide(&self.path, "unsupported TIFF sample type (8-bit samples are read natively)")),
        };
        // The tiff crate returns the chunk's data rectangle (dw x dh) or, for tiles, the padded tile.
        let n = lv.channels;
        let stride_px = if raw.len() >= (lv.chunk_w * lv.chunk_h) as usize * n && lv.chunk_w != dw { lv.chunk_w } else { dw };
        if raw.len() < (stride_px as usize) * (dh as usize).saturating_sub(1) * n + dw as usize * n {
            return Err(CohortError::slide(&self.path, format!("TIFF chunk {index} of level {level} is truncated")));
        }
        // Full chunk geometry (chunk_w x chunk_h), padding white.
        let (cw, ch) = (lv.chunk_w as usize, lv.chunk_h as usize);
        let mut rgb = vec![255u8; cw * ch * 3];
        for y in 0..dh as usize {
            for x in 0..dw as usize {
                let s = (y * stride_px as usize + x) * n;
                let d = (y * cw + x) * 3;
                match n {
                    1 => rgb[d..d + 3].fill(raw[s]),
                    _ => rgb[d..d + 3].copy_from_slice(&raw[s..s + 3]),
                }
            }
        }
        let arc = Arc::new(rgb);
        if st.order.len() >= CACHE_TILES
            && let Some(old) = st.order.pop_front()
        {
            st.cache.remove(&old);
        }
        st.cache.insert((level, index), arc.clone());
        st.order.push_back((level, index));
        Ok(arc)
    }

    /// Region of `w x h` pixels of `level` whose top-left corner is `(lx, ly)` in that level's
    /// pixels; outside the image is white.
    pub fn read_level_region(&self, lx: i64, ly: i64, level: usize, w: u32, h: u32) -> Result<RgbImage> {
        let lv = self.levels[level].clone();
        let mut out = RgbImage::from_pixel(w, h, image::Rgb([255, 255, 255]));
        let (x0, y0) = (lx.max(0), ly.max(0));
        let (x1, y1) = ((lx + w as i64).min(lv.width as i64), (ly + h as i64).min(lv.height as i64));
        if x0 >= x1 || y0 >= y1 {
            return Ok(out);
        }
        let (cw, ch) = (lv.chunk_w as i64, lv.chunk_h as i64);
        let across = (lv.width as i64 + cw - 1) / cw;
        let mut st = self.state.lock().map_err(|_| CohortError::slide(&self.path, "reader poisoned by an earlier panic"))?;
        let buf: &mut [u8] = &mut out;
        for ty in y0 / ch..=(y1 - 1) / ch {
            for tx in x0 / cw..=(x1 - 1) / cw {
                let chunk = self.chunk(&mut st, level, (ty * across + tx) as u32)?;
                let (ax0, ax1) = ((tx * cw).max(x0), ((tx + 1) * cw).min(x1));
                let (ay0, ay1) = ((ty * ch).max(y0), ((ty + 1) * ch).min(y1));
                let n = (ax1 - ax0) as usize * 3;
                for y in ay0..ay1 {
                    let s = (((y - ty * ch) * cw + (ax0 - tx * cw)) * 3) as usize;
                    let d = (((y - ly) * w as i64 + (ax0 - lx)) * 3) as usize;
                    buf[d..d + n].copy_from_slice(&chunk[s..s + n]);
                }
            }
        }
        Ok(out)
    }
}

/// A numeric `|Key = value|` field of an Aperio ImageDescription.
fn aperio_field(desc: &str, key: &str) -> Option<f64> {
    if !desc.starts_with("Aperio") {
        return None;
    }
    desc.split('|').filter_map(|f| f.split_once('=')).find(|(k, _)| k.trim() == key).and_then(|(_, v)| v.trim().parse().ok())
}

/// A PNG/JPEG (or other `image`-crate format) slide held in memory: one level.
pub struct ImageSlide {
    img: RgbImage,
    pub(crate) info: SlideInfo,
}

impl ImageSlide {
    pub fn open(path: &Path) -> Result<ImageSlide> {
        let img = crate::image::load_rgb(path)?;
        let info = SlideInfo {
            levels: vec![LevelInfo { width: img.width() as u64, height: img.height() as u64, downsample: 1.0 }],
            objective_power: None,
            mpp_x: None,
            vendor: "image".into(),
            reader: "native-image",
        };
        Ok(ImageSlide { img, info })
    }

    pub fn read_level_region(&self, lx: i64, ly: i64, w: u32, h: u32) -> RgbImage {
        let (iw, ih) = (self.img.width() as i64, self.img.height() as i64);
        RgbImage::from_fn(w, h, |x, y| {
            let (sx, sy) = (lx + x as i64, ly + y as i64);
            if sx >= 0 && sy >= 0 && sx < iw && sy < ih { *self.img.get_pixel(sx as u32, sy as u32) } else { image::Rgb([255, 255, 255]) }
        })
    }
}
