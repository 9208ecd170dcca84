//! Keep freed tensor memory in the process instead of handing it back to the OS.
//!
//! Burn's Flex backend allocates a fresh buffer for almost every op result, optimizer
//! temporaries included. glibc serves a request above its mmap threshold (128 KiB at start,
//! rising to at most 32 MiB) with its own `mmap` and unmaps it on `free`, and gives the top of the
//! heap back above a trim threshold. So every training step maps, page-faults, zeroes and
//! unmaps its large temporaries again: in the survival step (32 MiB bags and RNA-MLP weights,
//! AdamW temporaries of the same size) the kernel time of a 4-step run on one thread fell from
//! 2.1 s to 0.55 s with these settings, about as much as the user time of a step
//! (docs/benchmarks.md). PyTorch avoids most of it with
//! in-place optimizer updates and fused kernels; here the allocator is told to keep memory:
//! no `mmap` for single allocations, no trimming of the heap. The process then holds on to its
//! peak working set until it exits, which is what a training run needs anyway.
//!
//! Hand-written because it is two `mallopt` calls (libc); no allocator crate is needed.

/// Tell glibc's malloc to keep freed memory (see the module docs). Call once at the start of
/// the program, before the first large allocation. Returns whether the settings were applied
/// (false on platforms other than Linux with glibc, where it does nothing).
pub fn keep_freed_memory() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only changes malloc's tuning parameters; both values are valid.
        unsafe {
            let no_mmap = libc::mallopt(libc::M_MMAP_MAX, 0) == 1;
            let no_trim = libc::mallopt(libc::M_TRIM_THRESHOLD, libc::c_int::MAX) == 1;
            no_mmap && no_trim
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn settings_apply_on_linux_glibc() {
        let applied = super::keep_freed_memory();
        assert_eq!(applied, cfg!(all(target_os = "linux", target_env = "gnu")));
        // large allocations still work afterwards
        let v = vec![1.0f32; 40 << 20];
        assert_eq!(v[(40 << 20) - 1], 1.0);
    }
}
