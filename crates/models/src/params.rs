//! Reading a module's parameters as plain numbers (comparisons, reports).

use burn::module::{Module, ModuleVisitor, Param};
use burn::prelude::*;

struct Flatten {
    values: Vec<f32>,
}

impl ModuleVisitor for Flatten {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Ok(v) = param.val().try_into_vec_as::<f32>() {
            self.values.extend(v);
        }
    }
}

/// Every float parameter of `module`, in visiting order, concatenated.
pub fn flat_parameters<M: Module>(module: &M) -> Vec<f32> {
    let mut f = Flatten { values: Vec::new() };
    module.visit(&mut f);
    f.values
}
