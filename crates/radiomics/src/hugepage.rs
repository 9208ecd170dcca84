//! Large buffers backed by transparent huge pages where the kernel offers them.
//!
//! An extraction touches a few whole-volume buffers once each (the decompressed voxels, the f64
//! image, the LoG's compact input): 20-30 MB of fresh memory for a 256 x 256 x 25 MRI, i.e.
//! several thousand 4 KiB page faults, which cost more than the work done on those pages on a
//! virtual machine (~3 µs each, ~10 % of a brain1 all-filters extraction). Linux maps 2 MiB
//! pages on first touch when the range is marked `MADV_HUGEPAGE` (transparent huge pages in the
//! usual `madvise` mode): one fault per 2 MiB. No allocator crate does this for single buffers
//! without replacing the global allocator, hence these few lines. The advice changes neither
//! contents nor lifetime, and it is silently ignored where THP is off or on other systems.

/// An empty vector with room for `n` elements whose large middle part (whole 2 MiB pages inside
/// the allocation) is advised to the kernel as huge-page backed.
pub(crate) fn with_capacity<T>(n: usize) -> Vec<T> {
    let v: Vec<T> = Vec::with_capacity(n);
    advise(v.as_ptr() as usize, n.saturating_mul(std::mem::size_of::<T>()));
    v
}

/// `n` zeros of type `T` (a huge-page backed [`with_capacity`] filled with `T::default()`).
pub(crate) fn zeroed<T: Default + Clone>(n: usize) -> Vec<T> {
    let mut v = with_capacity(n);
    v.resize(n, T::default());
    v
}

const HUGE_PAGE: usize = 2 << 20;

#[cfg(target_os = "linux")]
fn advise(addr: usize, len: usize) {
    if len < 2 * HUGE_PAGE {
        return;
    }
    let start = addr.next_multiple_of(HUGE_PAGE);
    let end = (addr + len) / HUGE_PAGE * HUGE_PAGE;
    if end > start {
        // SAFETY: [start, end) lies inside the allocation of `len` bytes at `addr` that the
        // caller owns; MADV_HUGEPAGE only changes how the kernel backs the pages (advisory: no
        // change to contents, mapping or lifetime). A failure (THP unavailable) is harmless.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise(_addr: usize, _len: usize) {}

#[cfg(test)]
mod tests {
    #[test]
    fn buffers_have_the_asked_room_and_zeros() {
        for n in [0usize, 1, 1000, (5 << 20) / 8 + 3] {
            let v: Vec<f64> = super::with_capacity(n);
            assert!(v.is_empty() && v.capacity() >= n);
            let z: Vec<i16> = super::zeroed(n);
            assert_eq!(z.len(), n);
            assert!(z.iter().all(|&x| x == 0));
        }
    }
}
