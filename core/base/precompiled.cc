// The translation unit that the precompiled header (TENANTSIM_PCH in the top-level CMakeLists.txt)
// is built with; it holds no code of its own.
