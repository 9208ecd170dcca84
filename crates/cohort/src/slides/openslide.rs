//! OpenSlide through the system library, loaded at run time with `libloading` (dlopen), so that
//! building and testing gliofuse never needs the library: only opening an .svs/.ndpi/.mrxs/...
//! slide does.
//!
//! Bound C API (openslide.h, stable since 3.x): `openslide_open`, `openslide_close`,
//! `openslide_get_error`, `openslide_get_level_count`, `openslide_get_level_dimensions`,
//! `openslide_get_level_downsample`, `openslide_get_property_value`, `openslide_read_region`.
//! `read_region` returns premultiplied ARGB (`0xAARRGGBB` native-endian u32); we un-premultiply
//! to RGB and paint fully transparent pixels (outside the scanned area) white, the colour of
//! glass, so that they count as background.
//!
//! The library is looked up as `$GLIOFUSE_OPENSLIDE` (a path) if set, then `libopenslide.so.1`
//! (OpenSlide 4), `libopenslide.so.0` (3.4, Debian/Ubuntu `libopenslide0`), and the macOS and
//! Windows names. An OpenSlide handle is thread-safe (documented by OpenSlide).

use std::ffi::{CStr, CString, c_char, c_void};
use std::path::Path;
use std::sync::OnceLock;

use image::RgbImage;
use libloading::Library;

use super::{LevelInfo, SlideInfo};
use crate::error::{CohortError, Result};

type OpenFn = unsafe extern "C" fn(*const c_char) -> *mut c_void;
type CloseFn = unsafe extern "C" fn(*mut c_void);
type ErrorFn = unsafe extern "C" fn(*mut c_void) -> *const c_char;
type LevelCountFn = unsafe extern "C" fn(*mut c_void) -> i32;
type LevelDimsFn = unsafe extern "C" fn(*mut c_void, i32, *mut i64, *mut i64);
type LevelDownFn = unsafe extern "C" fn(*mut c_void, i32) -> f64;
type PropFn = unsafe extern "C" fn(*mut c_void, *const c_char) -> *const c_char;
type ReadFn = unsafe extern "C" fn(*mut c_void, *mut u32, i64, i64, i32, i64, i64);

struct Api {
    _lib: Library,
    open: OpenFn,
    close: CloseFn,
    error: ErrorFn,
    level_count: LevelCountFn,
    level_dims: LevelDimsFn,
    level_down: LevelDownFn,
    prop: PropFn,
    read: ReadFn,
    name: String,
}

/// Names tried in order (after `$GLIOFUSE_OPENSLIDE`).
pub const LIBRARY_NAMES: &[&str] = &[
    "libopenslide.so.1",
    "libopenslide.so.0",
    "libopenslide.so",
    "libopenslide.1.dylib",
    "libopenslide.0.dylib",
    "libopenslide-1.dll",
    "libopenslide-0.dll",
];

/// What to tell a user whose slide needs OpenSlide and whose system lacks it.
pub const INSTALL_HINT: &str = "this slide format needs the OpenSlide library, which was not found: install it \
(Debian/Ubuntu: `apt-get install libopenslide0`, or `libopenslide1` on newer releases; conda: \
`conda install -c conda-forge openslide`; macOS: `brew install openslide`), or set GLIOFUSE_OPENSLIDE to the \
path of libopenslide";

static API: OnceLock<std::result::Result<Api, String>> = OnceLock::new();

fn load() -> std::result::Result<Api, String> {
    let mut names: Vec<String> = Vec::new();
    if let Ok(p) = std::env::var("GLIOFUSE_OPENSLIDE")
        && !p.is_empty()
    {
        names.push(p);
    }
    names.extend(LIBRARY_NAMES.iter().map(|s| s.to_string()));
    let mut last = String::new();
    for name in names {
        // SAFETY: loading a shared library runs its initialisers; libopenslide's are benign.
        match unsafe { Library::new(&name) } {
            Ok(lib) => return bind(lib, name),
            Err(e) => last = e.to_string(),
        }
    }
    Err(last)
}

fn bind(lib: Library, name: String) -> std::result::Result<Api, String> {
    // SAFETY: the symbol types match openslide.h; the pointers stay valid while `_lib` lives
    // (the Api is stored in a static and never dropped).
    unsafe {
        macro_rules! sym {
            ($n:literal) => {
                *lib.get($n).map_err(|e| format!("{name}: {e}"))?
            };
        }
        Ok(Api {
            open: sym!(b"openslide_open\0"),
            close: sym!(b"openslide_close\0"),
            error: sym!(b"openslide_get_error\0"),
            level_count: sym!(b"openslide_get_level_count\0"),
            level_dims: sym!(b"openslide_get_level_dimensions\0"),
            level_down: sym!(b"openslide_get_level_downsample\0"),
            prop: sym!(b"openslide_get_property_value\0"),
            read: sym!(b"openslide_read_region\0"),
            name: name.clone(),
            _lib: lib,
        })
    }
}

fn api() -> std::result::Result<&'static Api, &'static str> {
    API.get_or_init(load).as_ref().map_err(|e| e.as_str())
}

/// True when the OpenSlide library could be loaded.
pub fn available() -> bool {
    api().is_ok()
}

/// The library file that was loaded, if any (for reports).
pub fn library_name() -> Option<&'static str> {
    api().ok().map(|a| a.name.as_str())
}

/// An open OpenSlide handle.
pub struct OpenSlide {
    api: &'static Api,
    handle: *mut c_void,
    path: std::path::PathBuf,
    pub(crate) info: SlideInfo,
}

// SAFETY: OpenSlide documents `openslide_t` as thread-safe for concurrent reads.
unsafe impl Send for OpenSlide {}
unsafe impl Sync for OpenSlide {}

impl Drop for OpenSlide {
    fn drop(&mut self) {
        // SAFETY: handle came from openslide_open and is closed once.
        unsafe { (self.api.close)(self.handle) }
    }
}

fn cstr(p: *const c_char) -> Option<String> {
    // SAFETY: OpenSlide returns NULL or a NUL-terminated string owned by the handle.
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
}

impl OpenSlide {
    pub fn open(path: &Path) -> Result<OpenSlide> {
        let api = api().map_err(|e| CohortError::slide(path, format!("{INSTALL_HINT} ({e})")))?;
        let c = CString::new(path.as_os_str().to_string_lossy().as_bytes())
            .map_err(|_| CohortError::slide(path, "path contains a NUL byte"))?;
        // SAFETY: c is a valid C string.
        let handle = unsafe { (api.open)(c.as_ptr()) };
        if handle.is_null() {
            return Err(CohortError::slide(path, "OpenSlide does not recognise this file as a slide (unsupported format or unreadable file)"));
        }
        let mut s = OpenSlide { api, handle, path: path.to_path_buf(), info: SlideInfo::default() };
        s.check()?;
        // SAFETY: valid handle.
        let n = unsafe { (api.level_count)(handle) };
        if n < 1 {
            s.check()?;
            return Err(CohortError::slide(path, "OpenSlide reports no pyramid level"));
        }
        let mut levels = Vec::new();
        for l in 0..n {
            let (mut w, mut h) = (0i64, 0i64);
            // SAFETY: valid handle, level in range, out-pointers valid.
            let d = unsafe {
                (api.level_dims)(handle, l, &mut w, &mut h);
                (api.level_down)(handle, l)
            };
            levels.push(LevelInfo { width: w.max(0) as u64, height: h.max(0) as u64, downsample: d });
        }
        s.check()?;
        let num = |k: &str| s.property(k).and_then(|v| v.trim().parse::<f64>().ok()).filter(|v| v.is_finite() && *v > 0.0);
        s.info = SlideInfo {
            levels,
            objective_power: num("openslide.objective-power").or_else(|| num("aperio.AppMag")),
            mpp_x: num("openslide.mpp-x"),
            vendor: s.property("openslide.vendor").unwrap_or_else(|| "unknown".into()),
            reader: "openslide",
        };
        Ok(s)
    }

    fn check(&self) -> Result<()> {
        // SAFETY: valid handle.
        match cstr(unsafe { (self.api.error)(self.handle) }) {
            Some(e) => Err(CohortError::slide(&self.path, format!("OpenSlide: {e}"))),
            None => Ok(()),
        }
    }

    /// A slide property (`openslide.objective-power`, `openslide.mpp-x`, `aperio.AppMag`, ...).
    pub fn property(&self, key: &str) -> Option<String> {
        let k = CString::new(key).ok()?;
        // SAFETY: valid handle and C string.
        cstr(unsafe { (self.api.prop)(self.handle, k.as_ptr()) })
    }

    /// `openslide_read_region` converted to RGB (module comment).
    pub fn read_region(&self, x: i64, y: i64, level: usize, w: u32, h: u32) -> Result<RgbImage> {
        let mut buf = vec![0u32; w as usize * h as usize];
        // SAFETY: buf holds w*h pixels as the API requires.
        unsafe { (self.api.read)(self.handle, buf.as_mut_ptr(), x, y, level as i32, w as i64, h as i64) };
        self.check()?;
        let mut out = RgbImage::new(w, h);
        for (p, &v) in out.pixels_mut().zip(&buf) {
            let a = v >> 24;
            let c = |s: u32| ((v >> s) & 0xff) as u8;
            p.0 = match a {
                0 => [255, 255, 255],
                255 => [c(16), c(8), c(0)],
                _ => {
                    let un = |s: u32| ((((v >> s) & 0xff) * 255 + a / 2) / a).min(255) as u8;
                    [un(16), un(8), un(0)]
                }
            };
        }
        Ok(out)
    }
}
