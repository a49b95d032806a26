// crush_ln: the fixed-point logarithm behind straw2 draws. Straw2 compares ln(u)/weight between
// items, so a placement that must agree with Ceph's needs Ceph's exact lookup tables: they were
// produced by a generator with irregular rounding and cannot be recomputed from a formula
// (spec/placement.md §5.2). The two non-derivable columns are kept below as data (numeric
// constants from Ceph's crush_ln_table.h, needed for interoperability); the reciprocal column is
// exact and is computed.
//
// Straw2 only ever asks for ln of a 16-bit value, so the whole function is evaluated once into a
// 65,536-entry table of `crush_ln(u) - 2^48` (the draw numerator). Every entry is below 2^49 in
// magnitude, hence exact in a double, and the per-mapping path never touches BigInt.

/** LH column: ≈ 2^48·log2(1 + k/128) for k = 0..128, as Ceph rounds it. */
const LH_HEX = [
  '0', '2dfca16dde1', '5b9e5a170b4', '88e68ea899a', 'b5d69bac77e', 'e26fd5c8555', '10eb389fa29f',
  '13aa2fdd27f1', '1663f6fac913', '1918a16e4633', '1bc84240adab', '1e72ec117fa5', '2118b119b4f3',
  '23b9a32eaa56', '2655d3c4f15c', '28ed53f307ee', '2b803473f7ad', '2e0e85a9de04', '309857a05e07',
  '331dba0efce1', '359ebc5b69d9', '381b6d9bb29b', '3a93dc9864b2', '3d0817ce9cd4', '3f782d7204d0',
  '41e42b6ec0c0', '444c1f6b4c2d', '46b016ca47c1', '49101eac381c', '4b6c43f1366a', '4dc4933a9337',
  '501918ec6c11', '5269e12f346e', '54b6f7f1325a', '570068e7ef5a', '59463f919dee', '5b8887367433',
  '5dc74ae9fbec', '6002958c5871', '623a71cb82c8', '646eea247c5c', '66a008e4788c', '68cdd829fd81',
  '6af861e5fc7d', '6d1fafdce20a', '6f43cba79e40', '7164beb4a56d', '73829248e961', '759d4f80cba8',
  '77b4ff5108d9', '79c9aa879d53', '7bdb59cca388', '7dea15a32c1b', '7ff5e66a0ffe', '81fed45cbccb',
  '8404e793fb81', '86082806b1d5', '88089d8a9e47', '8a064fd50f2a', '8c01467b94bb', '8df988f4ae80',
  '8fef1e987409', '91e20ea1393e', '93d2602c2e5f', '95c01a39fbd6', '97ab43af59f9', '9993e355a4e5',
  '9b79ffdb6c8b', '9d5d9fd5010b', '9f3ec9bcfb80', 'a11d83f4c355', 'a2f9d4c51039', 'a4d3c25e68dc',
  'a6ab52d99e76', 'a8808c384547', 'aa5374652a1c', 'ac241134c4e9', 'adf26865a8a1', 'afbe7fa0f04d',
  'b1885c7aa982', 'b35004723c46', 'b5157cf2d078', 'b6d8cb53b0ca', 'b899f4d8ab63', 'ba58feb2703a',
  'bc15edfeed32', 'bdd0c7c9a817', 'bf89910c1678', 'c1404eadf383', 'c2f5058593d9', 'c4a7ba58377c',
  'c65871da59dd', 'c80730b00016', 'c9b3fb6d0559', 'cb5ed69565af', 'cd07c69d8702', 'ceaecfea8085',
  'd053f6d26089', 'd1f73f9c70c0', 'd398ae817906', 'd53847ac00a6', 'd6d60f388e41', 'd8720935e643',
  'da0c39a54804', 'dba4a47aa996', 'dd3b4d9cf24b', 'ded038e633f3', 'e0636a23e2ee', 'e1f4e5170d02',
  'e384ad748f0e', 'e512c6e54998', 'e69f35065448', 'e829fb693044', 'e9b31d93f98e', 'eb3a9f019750',
  'ecc08321eb30', 'ee44cd59ffab', 'efc781043579', 'f148a170700a', 'f2c831e44116', 'f446359b1353',
  'f5c2afc65447', 'f73da38d9d4a', 'f8b7140edbb1', 'fa2f045e7832', 'fba577877d7d', 'fd1a708bbe11',
  'fe8df263f957', 'ffff00000000',
];

/** LL column: ≈ 2^48·log2(1 + k/2^15) for k = 0..255, as Ceph rounds it (with its offsets). */
const LL_HEX = [
  '0', '2e2a60a00', '70cb64ec5', '9ef50ce67', 'cd1e588fd', 'fb4747e9c', '1296fdaf5e', '1579811b58',
  '185bfec2a1', '1b3e76a552', '1e20e8c380', '2103551d43', '23e5bbb2b2', '26c81c83e4', '29aa7790f0',
  '2c8cccd9ed', '2f6f1c5ef2', '3251662017', '3533aa1d71', '3815e8571a', '3af820cd26', '3dda537fae',
  '40bc806ec8', '439ea79a8c', '4680c90310', '4962e4a86c', '4c44fa8ab6', '4f270aaa06', '5209150672',
  '54eb19a013', '57cd1876fd', '5aaf118b4a', '5d9104dd0f', '6072f26c64', '6354da3960', '6636bc441a',
  '6918988ca8', '6bfa6f1322', '6edc3fd79f', '71be0ada35', '749fd01afd', '77818f9a0c', '7a6349577a',
  '7d44fd535e', '8026ab8dce', '83085406e3', '85e9f6beb2', '88cb93b552', '8bad2aeadc', '8e8ebc5f65',
  '9170481305', '9451ce05d3', '97334e37e5', '9a14c8a953', '9cf63d5a33', '9fd7ac4a9d', 'a2b07f3458',
  'a59a78ea6a', 'a87bd699fb', 'ab5d2e8970', 'ae3e80b8e3', 'b11fcd2869', 'b40113d818', 'b6e254c80a',
  'b9c38ff853', 'bca4c5690c', 'bf85f51a4a', 'c2671f0c26', 'c548433eb6', 'c82961b211', 'cb0a7a664d',
  'cdeb8d5b82', 'd0cc9a91c8', 'd3ada20933', 'd68ea3c1dd', 'd96f9fbbdb', 'dc5095f744', 'df31867430',
  'e2127132b5', 'e4f35632ea', 'e7d43574e6', 'eab50ef8c1', 'ed95e2be90', 'f076b0c66c', 'f35779106a',
  'f6383b9ca2', 'f918f86b2a', 'fbf9af7c1a', 'feda60cf88', '101bb0c658c', '1049bb23e3c',
  '1077c5259af', '10a5cecb7fc', '10d3d81593a', '1101e103d7f', '112fe9964e4', '115df1ccf7e',
  '118bf9a7d64', '11ba0126ead', '11e8084a371', '12160f11bc6', '1244157d7c3', '12721b8d77f',
  '12a02141b10', '12ce269a28e', '12fc2b96e0f', '132a3037daa', '1358347d177', '1386386698c',
  '13b43bf45ff', '13e23f266e9', '141041fcc5e', '143e4477678', '146c469654b', '149a48598f0',
  '14c849c117c', '14f64accf08', '15244b7d1a9', '15524bd1976', '15804bca687', '15ae4b678f2',
  '15dc4aa90ce', '160a498ee31', '16384819134', '166646479ec', '1694441a870', '16c24191cd7',
  '16df6ca19bd', '171e3b6d7aa', '174c37d1e44', '177a33dab1c', '17a82f87e49', '17d62ad97e2',
  '180425cf7fe', '182b07f3458', '18601aa8c19', '188e148c046', '18bc0e13b52', '18ea073fd52',
  '1918001065d', '1945f88568b', '1973f09edf2', '19a1e85ccaa', '19cfdfbf2c8', '19fdd6c6063',
  '1a2bcd71593', '1a59c3c126e', '1a87b9b570b', '1ab5af4e380', '1ae3a48b7e5', '1b11996d450',
  '1b3f8df38d9', '1b6d821e595', '1b9b75eda9b', '1bc96961803', '1bf75c79de3', '1c254f36c51',
  '1c534198365', '1c81339e336', '1caf2548bd9', '1cdd1697d67', '1d0b078b7f5', '1d38f823b9a',
  '1d66e86086d', '1d94d841e86', '1dc2c7c7df9', '1df0b6f26df', '1e1ea5c194e', '1e4c943555d',
  '1e7a824db23', '1ea8700aab5', '1ed65d6c42b', '1f044a7279d', '1f32371d51f', '1f60236ccca',
  '1f8e0f60eb3', '1fbbfaf9af3', '1fe9e63719e', '2017d1192cc', '2045bb9fe94', '2073a5cb50d',
  '209c06e6212', '20cf791026a', '20fd622997c', '212b07f3458', '2159334a8d8', '21871b52150',
  '21b502fe517', '21d6a73a78f', '2210d144eee', '223eb7df52c', '226c9e1e713', '229a84024bb',
  '22c23679b4e', '22f64eb83a8', '2324338a51b', '235218012a9', '237ffc1cc69', '23a2c3b0ea4',
  '23d13ee805b', '24035e9221f', '243788faf25', '24656b4e735', '247ed646bfe', '24c12ee3d98',
  '24ef1025c1a', '251cf10c799', '25492644d65', '2578b1c85ee', '25a6919d8f0', '25d13ee805b',
  '26025036716', '26296453882', '265e0d62b53', '268beb701f3', '26b9c92265e', '26d32f798a9',
  '271583758eb', '2743601673b', '27713c5c3b0', '279f1846e5f', '27ccf3d6761', '27e6580aecb',
  '2828a9e44b3', '28568462932', '287bdbf5255', '28b2384de4a', '28d13ee805b', '29035e9221f',
  '29296453882', '29699bdfb61', '29902a37aab', '29c54b864c9', '29deabd1083', '2a20f9c0bb5',
  '2a4c7605d61', '2a7bdbf5255', '2a96056dafc', '2ac3daf14ef', '2af1b019eca', '2b296453882',
  '2b5d022d80f', '2b8fa471cb3', '2ba9012e713', '2bd6d4901cc', '2c04a796cf6', '2c327a428a6',
  '2c61a5e8f4c', '2c8e1e891f6', '2cbbf023fc2', '2ce9c163e6e', '2d179248e13', '2d4562d2ec6',
  '2d73330209d', '2da102d63b0', '2dced24f814',
];

const TWO_POW_55 = 1n << 55n;
const MASK_64 = (1n << 64n) - 1n;

/** RH column: exactly ceil(2^55 / (128 + k)), i.e. 2^48 / (1 + k/128) rounded up. */
export function lnTableRH(k: number): bigint {
  const d = BigInt(128 + k);
  return (TWO_POW_55 + d - 1n) / d;
}

export function lnTableLH(k: number): bigint {
  const hex = LH_HEX[k];
  if (hex === undefined) throw new RangeError(`LH index ${k} out of range`);
  return BigInt(`0x${hex}`);
}

export function lnTableLL(k: number): bigint {
  const hex = LL_HEX[k];
  if (hex === undefined) throw new RangeError(`LL index ${k} out of range`);
  return BigInt(`0x${hex}`);
}

export const LH_TABLE_SIZE = LH_HEX.length;
export const LL_TABLE_SIZE = LL_HEX.length;

/** `crush_ln(xin)` for xin in [0, 0xffff]: 2^44·log2(xin + 1) in Ceph's fixed point. */
export function crushLnExact(xin: number): bigint {
  let x = (xin + 1) >>> 0;
  let iexpon = 15;
  // Normalise so that bit 15 or bit 16 is set; at most 16 shifts for x >= 1.
  while ((x & 0x18000) === 0) {
    x <<= 1;
    iexpon--;
  }
  const index1 = (x >>> 8) << 1;
  const k = (index1 - 256) >>> 1;
  const rh = lnTableRH(k);
  const lh = lnTableLH(k);
  const xl64 = ((BigInt(x) * rh) & MASK_64) >> 48n;
  const ll = lnTableLL(Number(xl64 & 0xffn));
  return (BigInt(iexpon) << 44n) + ((lh + ll) >> 4n);
}

let drawNumerators: Float64Array | undefined;

/**
 * `crush_ln(u) - 2^48` for every 16-bit u, built on first use (about 65k BigInt evaluations,
 * a few tens of milliseconds once per process).
 */
export function straw2LnTable(): Float64Array {
  if (drawNumerators !== undefined) return drawNumerators;
  const table = new Float64Array(0x10000);
  const twoPow48 = 1n << 48n;
  for (let u = 0; u < 0x10000; u++) table[u] = Number(crushLnExact(u) - twoPow48);
  drawNumerators = table;
  return table;
}
