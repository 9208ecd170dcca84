//! `Linear` on inputs with leading batch dimensions, run as one 2-D matmul.
//!
//! ```text
//! y[.., :] = x[.., :] W + b        x: [..., d_in] viewed as [rows, d_in], W: [d_in, d_out]
//! ```
//!
//! Why: in Burn 0.22 `nn::Linear::forward` on a 3-D input reaches the backend-generic `linear`
//! (the `Dispatch` backend does not override it, `burn-dispatch-0.22.1/src/ops/module.rs`),
//! which keeps `[B, m, d_in] @ [1, d_in, d_out]` as a broadcast batched matmul whenever the
//! rows per batch are a multiple of the row tile or merging would not make the product squarer
//! (`burn-std-0.22.1/src/tensor/matmul.rs`). Under autodiff that is recorded as a `matmul`, whose
//! backward computes the weight gradient per batch item, `[B, d_in, d_out]`, and then sums it:
//! for the survival model's key/value projections (B = 128, 2048 -> 256) that is a 256 MiB
//! intermediate per projection and half of the step's time. Flattening the leading dimensions
//! first makes it one `[rows, d_in] @ [d_in, d_out]` product whose weight gradient is a single
//! `x^T g` matmul. Same function; only the order of the sums in the weight gradient changes.

use burn::nn::Linear;
use burn::prelude::*;

/// `layer` applied to the last dimension of `x` (any rank >= 2), as one 2-D matmul.
pub fn linear_rows<const D: usize>(layer: &Linear, x: Tensor<D>) -> Tensor<D> {
    let dims = x.dims();
    let d_in = dims[D - 1];
    let rows = dims[..D - 1].iter().product::<usize>();
    let y = layer.forward(x.reshape([rows, d_in])); // [rows, d_out]
    let mut out = dims;
    out[D - 1] = y.dims()[1];
    y.reshape(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::module::Param;
    use burn::tensor::Distribution;

    #[test]
    fn same_values_and_gradients_as_linear_forward() {
        let dev = Device::flex().autodiff();
        dev.seed(3);
        let w = Tensor::<2>::random([6, 5], Distribution::Normal(0.0, 1.0), &dev);
        let b = Tensor::<1>::random([5], Distribution::Normal(0.0, 1.0), &dev);
        let xv = Tensor::<3>::random([4, 3, 6], Distribution::Normal(0.0, 1.0), &dev).into_data();
        let run = |rows: bool| {
            let layer = Linear {
                weight: Param::from_tensor(w.clone().require_grad()),
                bias: Some(Param::from_tensor(b.clone().require_grad())),
            };
            let x = Tensor::<3>::from_data(xv.clone(), &dev).require_grad();
            let y = if rows {
                linear_rows(&layer, x.clone())
            } else {
                layer.forward(x.clone())
            };
            assert_eq!(y.dims(), [4, 3, 5]);
            let g = (y.clone() * y.clone()).sum().backward();
            let v = |t: Option<Tensor<2>>| t.unwrap().try_into_vec_as::<f32>().unwrap();
            (
                y.try_into_vec_as::<f32>().unwrap(),
                x.grad(&g).unwrap().try_into_vec_as::<f32>().unwrap(),
                v(layer.weight.val().grad(&g)),
                layer
                    .bias
                    .as_ref()
                    .unwrap()
                    .val()
                    .grad(&g)
                    .unwrap()
                    .try_into_vec_as::<f32>()
                    .unwrap(),
            )
        };
        let (a, b2) = (run(false), run(true));
        let close = |p: &[f32], q: &[f32]| {
            assert_eq!(p.len(), q.len());
            for (u, v) in p.iter().zip(q) {
                assert!((u - v).abs() <= 1e-5 * (1.0 + u.abs()), "{u} vs {v}");
            }
        };
        close(&a.0, &b2.0);
        close(&a.1, &b2.1);
        close(&a.2, &b2.2);
        close(&a.3, &b2.3);
    }
}
