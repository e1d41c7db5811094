export async function runSoak() {}
