"""What arrives in an extract folder: file names and the columns each must carry (extracts.md)."""

from __future__ import annotations

EXTRACTS = ("penduduk", "tanah", "kendaraan", "rumah", "wilayah")

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "penduduk": (
        "NIK", "NO_KK", "NAMA_LGKP", "JENIS_KLMIN", "TMPT_LHR", "TGL_LHR", "STAT_HBKEL",
        "STAT_KWN", "PDDK_AKH", "JENIS_PKRJN", "ALAMAT", "NO_RT", "NO_RW", "KODE_WILAYAH",
        "STATUS", "TGL_STATUS",
    ),
    "tanah": (
        "NIB", "JENIS_HAK", "NIK_PEMEGANG", "NAMA_PEMEGANG", "KODE_WILAYAH", "LUAS_M2",
        "PENGGUNAAN", "NJOP_PER_M2", "TGL_TERBIT",
    ),
    "kendaraan": (
        "NO_RANGKA", "NO_POLISI", "NIK_PEMILIK", "NAMA_PEMILIK", "ALAMAT_PEMILIK", "KODE_WILAYAH",
        "JENIS_KENDARAAN", "MEREK", "TAHUN_BUAT", "NILAI_JUAL", "TGL_AKHIR_PAJAK",
    ),
    "rumah": (
        "NO_KK", "NIK_KEPALA", "NAMA_KEPALA", "KODE_WILAYAH", "STATUS_BANGUNAN", "LUAS_LANTAI_M2",
        "LANTAI", "DINDING", "ATAP", "SUMBER_AIR_MINUM", "FASILITAS_BAB", "PENERANGAN", "DAYA_VA",
        "BAHAN_BAKAR_MASAK", "TGL_PENDATAAN",
    ),
    "wilayah": ("KODE", "NAMA"),
}

# The column that identifies a record of each extract (quarantine.record_id, asset_links.record_id).
RECORD_ID: dict[str, str] = {
    "penduduk": "NIK",
    "tanah": "NIB",
    "kendaraan": "NO_RANGKA",
    "rumah": "NO_KK",
    "wilayah": "KODE",
}

# Identity numbers of 14 or 16 digits: in a Parquet file stored as floating point, those above 2^53
# (NIKs of provinces 91-96) have lost their last digits already, and cannot be read back.
NUMBER_IDS = ("NIK", "NO_KK", "NIB", "NIK_PEMEGANG", "NIK_PEMILIK", "NIK_KEPALA")

LOAD_INFO_FILE = "load.json"
# A landing folder is complete when this marker exists beside the five extracts.
COMPLETE_MARKER = "_SUCCESS"
