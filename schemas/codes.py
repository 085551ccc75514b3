"""Code lists of the delivery contract (extracts.md): every label a categorical column may take."""

from __future__ import annotations

# The 38 Kemendagri province codes (65 and 92-96 are the newer provinces).
PROVINCE_CODES: frozenset[str] = frozenset(
    [str(c) for c in range(11, 20)]
    + ["21"]
    + [str(c) for c in range(31, 37)]
    + ["51", "52", "53"]
    + [str(c) for c in range(61, 66)]
    + [str(c) for c in range(71, 77)]
    + ["81", "82"]
    + [str(c) for c in range(91, 97)]
)

JENIS_KLMIN = ("LAKI-LAKI", "PEREMPUAN")
STAT_HBKEL = (
    "KEPALA KELUARGA", "SUAMI", "ISTRI", "ANAK", "MENANTU", "CUCU", "ORANG TUA", "MERTUA",
    "FAMILI LAIN", "PEMBANTU", "LAINNYA",
)
STAT_KWN = ("BELUM KAWIN", "KAWIN", "CERAI HIDUP", "CERAI MATI")
PDDK_AKH = (
    "TIDAK/BELUM SEKOLAH", "BELUM TAMAT SD/SEDERAJAT", "TAMAT SD/SEDERAJAT", "SLTP/SEDERAJAT",
    "SLTA/SEDERAJAT", "DIPLOMA I/II", "AKADEMI/DIPLOMA III/S. MUDA", "DIPLOMA IV/STRATA I",
    "STRATA II", "STRATA III",
)
# Dukcapil lists about ninety occupations; these are the ones the contract names. Any other label
# is accepted only if added here (an unknown label rejects the row).
JENIS_PKRJN = (
    "BELUM/TIDAK BEKERJA", "MENGURUS RUMAH TANGGA", "PELAJAR/MAHASISWA", "PENSIUNAN",
    "PEGAWAI NEGERI SIPIL (PNS)", "TENTARA NASIONAL INDONESIA (TNI)", "KEPOLISIAN RI (POLRI)",
    "KARYAWAN BUMN", "KARYAWAN BUMD", "ANGGOTA DPR-RI", "ANGGOTA DPD", "ANGGOTA DPRD PROVINSI",
    "ANGGOTA DPRD KABUPATEN/KOTA", "PETANI/PEKEBUN", "NELAYAN/PERIKANAN", "PETERNAK",
    "BURUH HARIAN LEPAS", "BURUH TANI/PERKEBUNAN", "BURUH NELAYAN/PERIKANAN", "PEDAGANG",
    "WIRASWASTA", "KARYAWAN SWASTA", "GURU", "DOSEN", "BIDAN", "PERAWAT", "DOKTER", "SOPIR",
    "TUKANG BATU", "TUKANG KAYU", "TUKANG JAHIT", "PERANGKAT DESA", "KEPALA DESA", "LAINNYA",
)
STATUS = ("HIDUP", "MATI", "PINDAH")

JENIS_HAK = ("HM", "HGB", "HP", "HGU", "WAKAF")
PENGGUNAAN = ("SAWAH", "TEGALAN", "KEBUN", "PEKARANGAN", "PERUMAHAN", "LAINNYA")
AGRICULTURAL_LAND = ("SAWAH", "TEGALAN", "KEBUN")

JENIS_KENDARAAN = ("SEPEDA MOTOR", "MOBIL PENUMPANG", "MOBIL BARANG", "BUS")
CARS = ("MOBIL PENUMPANG", "MOBIL BARANG", "BUS")

STATUS_BANGUNAN = ("MILIK SENDIRI", "KONTRAK/SEWA", "BEBAS SEWA", "DINAS", "LAINNYA")
LANTAI = (
    "MARMER/GRANIT", "KERAMIK", "PARKET/VINIL/KARPET", "UBIN/TEGEL/TERASO", "KAYU/PAPAN",
    "SEMEN/BATA MERAH", "BAMBU", "TANAH",
)
DINDING = (
    "TEMBOK", "PLESTERAN ANYAMAN BAMBU/KAWAT", "KAYU/PAPAN", "ANYAMAN BAMBU", "BAMBU", "LAINNYA",
)
ATAP = ("BETON", "GENTENG", "ASBES", "SENG", "KAYU/SIRAP", "BAMBU", "JERAMI/IJUK/RUMBIA")
SUMBER_AIR_MINUM = (
    "AIR KEMASAN", "LEDING", "SUMUR BOR/POMPA", "SUMUR TERLINDUNG", "SUMUR TAK TERLINDUNG",
    "MATA AIR TERLINDUNG", "MATA AIR TAK TERLINDUNG", "AIR PERMUKAAN", "AIR HUJAN",
)
FASILITAS_BAB = ("SENDIRI", "BERSAMA", "UMUM", "TIDAK ADA")
PENERANGAN = ("PLN METERAN", "PLN TANPA METERAN", "NON-PLN", "BUKAN LISTRIK")
DAYA_VA = (0, 450, 900, 1300, 2200, 3500, 5500)
BAHAN_BAKAR_MASAK = (
    "LISTRIK", "GAS 12 KG", "GAS 5.5 KG", "GAS 3 KG", "GAS KOTA", "BIOGAS", "MINYAK TANAH",
    "ARANG", "KAYU BAKAR", "TIDAK MEMASAK",
)

# Categorical columns per extract and their code lists: validation normalises case and spaces,
# then rejects a row whose label is still not in the list.
CATEGORICAL: dict[str, dict[str, tuple]] = {
    "penduduk": {
        "JENIS_KLMIN": JENIS_KLMIN,
        "STAT_HBKEL": STAT_HBKEL,
        "STAT_KWN": STAT_KWN,
        "PDDK_AKH": PDDK_AKH,
        "JENIS_PKRJN": JENIS_PKRJN,
        "STATUS": STATUS,
    },
    "tanah": {"JENIS_HAK": JENIS_HAK, "PENGGUNAAN": PENGGUNAAN},
    "kendaraan": {"JENIS_KENDARAAN": JENIS_KENDARAAN},
    "rumah": {
        "STATUS_BANGUNAN": STATUS_BANGUNAN,
        "LANTAI": LANTAI,
        "DINDING": DINDING,
        "ATAP": ATAP,
        "SUMBER_AIR_MINUM": SUMBER_AIR_MINUM,
        "FASILITAS_BAB": FASILITAS_BAB,
        "PENERANGAN": PENERANGAN,
        "BAHAN_BAKAR_MASAK": BAHAN_BAKAR_MASAK,
    },
}
