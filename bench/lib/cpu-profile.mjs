export async function profileNexo() {}
