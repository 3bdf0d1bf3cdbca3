import LoomTensor

// Fused element-wise kernels for one time step of each cell, forward and backward.
//
// Every kernel works on a batch of B rows. Gate pre-activations arrive already holding
// W_ih·x + W_hh·h + biases (the matrix products are done by the caller with BLAS); the kernel applies the
// non-linearities, writes the activations back in place for the backward pass, and produces the new state.
//
// Masking: a row whose mask value is 0 is a padded step. Its state passes through unchanged
// (h_t = h_{t−1}, c_t = c_{t−1}), its output is zero, and in backward its gate gradients are zero while the
// state gradients pass through unchanged. The choice is made once per row, so the inner loops over the
// hidden units stay branch-free and vectorise.

@inline(__always)
private func isReal(_ mask: UnsafePointer<Float>?, _ row: Int) -> Bool {
    guard let mask else { return true }
    return mask[row] != 0
}

// MARK: - LSTM

/// LSTM forward step (PyTorch): i = σ(·), f = σ(·), g = tanh(·), o = σ(·) on the four gate blocks,
/// c' = f⊙c + i⊙g, h' = o⊙tanh(c').
///
/// - gates: [B, 4H] pre-activations in, activations (i, f, g, o) out.
/// - cPrev, hPrev: [B, H] state before the step. tanhC: [B, H] out, tanh(c') for backward.
/// - h, c: [B, H] state after the step (may not alias hPrev/cPrev). output: [B, H], h' or 0 when masked.
@inline(__always)
func lstmForwardStep(batch: Int, hidden H: Int, gates: UnsafeMutablePointer<Float>,
                     cPrev: UnsafePointer<Float>, hPrev: UnsafePointer<Float>, tanhC: UnsafeMutablePointer<Float>,
                     mask: UnsafePointer<Float>?, h: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>,
                     output: UnsafeMutablePointer<Float>) {
    for b in 0..<batch {
        let g = gates + b * 4 * H
        let cp = cPrev + b * H, tc = tanhC + b * H
        let hn = h + b * H, cn = c + b * H, y = output + b * H
        for j in 0..<H {
            let ig = FastMath.sigmoid(g[j])
            let fg = FastMath.sigmoid(g[H + j])
            let gg = FastMath.tanh(g[2 * H + j])
            let og = FastMath.sigmoid(g[3 * H + j])
            g[j] = ig; g[H + j] = fg; g[2 * H + j] = gg; g[3 * H + j] = og
            let cNew = fg * cp[j] + ig * gg
            let t = FastMath.tanh(cNew)
            tc[j] = t
            cn[j] = cNew
            hn[j] = og * t
            y[j] = og * t
        }
        if !isReal(mask, b) {
            // Padded step: keep the previous state, emit zeros. (Gate caches are ignored by backward.)
            (hn).update(from: hPrev + b * H, count: H)
            (cn).update(from: cp, count: H)
            y.update(repeating: 0, count: H)
        }
    }
}

/// LSTM backward step. With dh̃ = dh + dy (gradient reaching h' from the future and from the output):
///   dc̃ = dc + dh̃⊙o⊙(1 − tanh²c'),  do = dh̃⊙tanh c',  di = dc̃⊙g,  dg = dc̃⊙i,  df = dc̃⊙c,
///   pre-activation gradients multiply by σ' = s(1−s) or tanh' = 1 − t²,  dc_prev = dc̃⊙f.
/// dh is set to 0 for real rows: the caller then adds dGates·W_hh into it.
///
/// - dOutput: [B, H] gradient w.r.t. this step's output, or nil. dh, dc: [B, H] in/out.
/// - dGates: [B, 4H] out.
@inline(__always)
func lstmBackwardStep(batch: Int, hidden H: Int, gates: UnsafePointer<Float>, cPrev: UnsafePointer<Float>,
                      tanhC: UnsafePointer<Float>, mask: UnsafePointer<Float>?, dOutput: UnsafePointer<Float>?,
                      dh: UnsafeMutablePointer<Float>, dc: UnsafeMutablePointer<Float>,
                      dGates: UnsafeMutablePointer<Float>) {
    for b in 0..<batch {
        let dg = dGates + b * 4 * H
        guard isReal(mask, b) else {
            dg.update(repeating: 0, count: 4 * H) // state gradients pass through untouched
            continue
        }
        let g = gates + b * 4 * H
        let cp = cPrev + b * H, tc = tanhC + b * H
        let dhr = dh + b * H, dcr = dc + b * H
        if let dOutput {
            let dy = dOutput + b * H
            for j in 0..<H { dhr[j] += dy[j] }
        }
        for j in 0..<H {
            let ig = g[j], fg = g[H + j], gg = g[2 * H + j], og = g[3 * H + j]
            let t = tc[j]
            let dhTotal = dhr[j]
            let dcTotal = dcr[j] + dhTotal * og * (1 - t * t)
            dg[j] = dcTotal * gg * ig * (1 - ig)
            dg[H + j] = dcTotal * cp[j] * fg * (1 - fg)
            dg[2 * H + j] = dcTotal * ig * (1 - gg * gg)
            dg[3 * H + j] = dhTotal * t * og * (1 - og)
            dcr[j] = dcTotal * fg
            dhr[j] = 0
        }
    }
}

// MARK: - GRU

/// GRU forward step (PyTorch): r = σ(x_r + h_r), z = σ(x_z + h_z), n = tanh(x_n + r⊙h_n), h' = (1−z)⊙n + z⊙h,
/// where x_· = W_i·x + b_i· and h_· = W_h·h + b_h·.
///
/// - gates: [B, 3H] input parts x_r, x_z, x_n in; activations r, z, n out.
/// - recurrent: [B, 3H] h_r, h_z, h_n (read only). hiddenN: [B, H] out, h_n kept for backward.
/// - hPrev: [B, H]. h: [B, H] state after the step (may not alias hPrev). output: [B, H].
@inline(__always)
func gruForwardStep(batch: Int, hidden H: Int, gates: UnsafeMutablePointer<Float>, recurrent: UnsafePointer<Float>,
                    hiddenN: UnsafeMutablePointer<Float>, hPrev: UnsafePointer<Float>, mask: UnsafePointer<Float>?,
                    h: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>) {
    for b in 0..<batch {
        let g = gates + b * 3 * H, rh = recurrent + b * 3 * H
        let hp = hPrev + b * H, hnOut = hiddenN + b * H, hn = h + b * H, y = output + b * H
        for j in 0..<H {
            let r = FastMath.sigmoid(g[j] + rh[j])
            let z = FastMath.sigmoid(g[H + j] + rh[H + j])
            let hNew = rh[2 * H + j]
            let n = FastMath.tanh(g[2 * H + j] + r * hNew)
            g[j] = r; g[H + j] = z; g[2 * H + j] = n
            hnOut[j] = hNew
            let value = (1 - z) * n + z * hp[j]
            hn[j] = value
            y[j] = value
        }
        if !isReal(mask, b) {
            hn.update(from: hp, count: H)
            y.update(repeating: 0, count: H)
        }
    }
}

/// GRU backward step. With dh̃ = dh + dy:
///   dn = dh̃⊙(1−z),  dz = dh̃⊙(h − n),  dn_pre = dn⊙(1 − n²),  dr = dn_pre⊙h_n,
///   input-side gradients  (dr⊙r(1−r), dz⊙z(1−z), dn_pre),
///   hidden-side gradients (dr⊙r(1−r), dz⊙z(1−z), dn_pre⊙r),
///   dh_prev = dh̃⊙z + (hidden-side gradients)·W_hh, the product added by the caller.
@inline(__always)
func gruBackwardStep(batch: Int, hidden H: Int, gates: UnsafePointer<Float>, hiddenN: UnsafePointer<Float>,
                     hPrev: UnsafePointer<Float>, mask: UnsafePointer<Float>?, dOutput: UnsafePointer<Float>?,
                     dh: UnsafeMutablePointer<Float>, dInputGates: UnsafeMutablePointer<Float>,
                     dHiddenGates: UnsafeMutablePointer<Float>) {
    for b in 0..<batch {
        let dgx = dInputGates + b * 3 * H, dgh = dHiddenGates + b * 3 * H
        guard isReal(mask, b) else {
            dgx.update(repeating: 0, count: 3 * H)
            dgh.update(repeating: 0, count: 3 * H)
            continue
        }
        let g = gates + b * 3 * H
        let hnr = hiddenN + b * H, hp = hPrev + b * H, dhr = dh + b * H
        if let dOutput {
            let dy = dOutput + b * H
            for j in 0..<H { dhr[j] += dy[j] }
        }
        for j in 0..<H {
            let r = g[j], z = g[H + j], n = g[2 * H + j]
            let dhTotal = dhr[j]
            let dnPre = dhTotal * (1 - z) * (1 - n * n)
            let dzPre = dhTotal * (hp[j] - n) * z * (1 - z)
            let drPre = dnPre * hnr[j] * r * (1 - r)
            dgx[j] = drPre; dgx[H + j] = dzPre; dgx[2 * H + j] = dnPre
            dgh[j] = drPre; dgh[H + j] = dzPre; dgh[2 * H + j] = dnPre * r
            dhr[j] = dhTotal * z
        }
    }
}

// MARK: - Simple RNN

/// Simple RNN forward step: h' = act(pre), act = tanh or relu.
/// - gates: [B, H] pre-activations in, h̃ = act(pre) out (kept for backward).
@inline(__always)
func rnnForwardStep(batch: Int, hidden H: Int, relu: Bool, gates: UnsafeMutablePointer<Float>,
                    hPrev: UnsafePointer<Float>, mask: UnsafePointer<Float>?, h: UnsafeMutablePointer<Float>,
                    output: UnsafeMutablePointer<Float>) {
    for b in 0..<batch {
        let g = gates + b * H, hn = h + b * H, y = output + b * H
        if relu {
            for j in 0..<H { let v = Swift.max(g[j], 0); g[j] = v; hn[j] = v; y[j] = v }
        } else {
            for j in 0..<H { let v = FastMath.tanh(g[j]); g[j] = v; hn[j] = v; y[j] = v }
        }
        if !isReal(mask, b) {
            hn.update(from: hPrev + b * H, count: H)
            y.update(repeating: 0, count: H)
        }
    }
}

/// Simple RNN backward step: dpre = dh̃⊙(1 − h̃²) for tanh, dh̃⊙[h̃ > 0] for relu.
@inline(__always)
func rnnBackwardStep(batch: Int, hidden H: Int, relu: Bool, gates: UnsafePointer<Float>, mask: UnsafePointer<Float>?,
                     dOutput: UnsafePointer<Float>?, dh: UnsafeMutablePointer<Float>,
                     dGates: UnsafeMutablePointer<Float>) {
    for b in 0..<batch {
        let dg = dGates + b * H
        guard isReal(mask, b) else {
            dg.update(repeating: 0, count: H)
            continue
        }
        let g = gates + b * H, dhr = dh + b * H
        if let dOutput {
            let dy = dOutput + b * H
            for j in 0..<H { dhr[j] += dy[j] }
        }
        if relu {
            for j in 0..<H { dg[j] = g[j] > 0 ? dhr[j] : 0; dhr[j] = 0 }
        } else {
            for j in 0..<H { let v = g[j]; dg[j] = dhr[j] * (1 - v * v); dhr[j] = 0 }
        }
    }
}
